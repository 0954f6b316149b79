// Placeholder: the desktop shell replaces this file.
export {};
