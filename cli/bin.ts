import { tuneGcForShortRuns } from './gc';
import { main } from './main';

tuneGcForShortRuns();
void Promise.resolve(main(process.argv.slice(2))).then((code) => {
  process.exitCode = code;
});
