import { describe, expect, it } from 'vitest';
import { compileGoRegexp, translateGoRegexp } from '../../simulation/routing/rule';

/**
 * The Go (RE2) regexp translation, flag groups in particular. Expectations
 * are Go 1.19/1.20's (Prometheus 2.42); the differential edge test
 * (test/promql/differential-edge.test.ts) checks a sample of them against a
 * real Prometheus, and the case-folding orbits were checked one code point
 * at a time against it.
 */

const K = '\u212a'; // KELVIN SIGN
const LONG_S = '\u017f'; // LATIN SMALL LETTER LONG S
const OHM = '\u2126'; // OHM SIGN

function compile(pattern: string): RegExp {
  const r = compileGoRegexp(pattern);
  if (!r.ok) throw new Error(r.message);
  return r.regexp;
}

/** Anchored as Prometheus anchors label matchers. */
const full = (pattern: string) => compile(`^(?:${pattern})$`);

/** [pattern, inputs that match (whole input), inputs that do not]. */
const MATCHES: Array<[string, string[], string[]]> = [
  // (?i): literals fold with Unicode simple case folding orbits.
  ['(?i)abc', ['abc', 'ABC', 'aBc'], ['abd', 'ab']],
  ['(?i)k', ['k', 'K', K], ['x']],
  ['(?i)K', ['k', 'K', K], []],
  [`(?i)${K}`, ['k', 'K', K], []],
  ['(?i)s', ['s', 'S', LONG_S], ['ß']],
  ['(?i)ß', ['ß', '\u1e9e'], ['ss', 'SS']], // ẞ folds simply; "SS" is a full folding only
  ['(?i)ω', ['ω', 'Ω', OHM], []],
  ['(?i)σ', ['σ', 'Σ', 'ς'], []],
  ['(?i)θ', ['θ', 'Θ', 'ϑ', 'ϴ'], []],
  ['(?i)µ', ['µ', 'μ', 'Μ'], []], // MICRO SIGN
  ['(?i)ι', ['ι', 'Ι', '\u0345', '\u1fbe'], []],
  ['(?i)ǅ', ['ǅ', 'Ǆ', 'ǆ'], []],
  ['(?i)i', ['i', 'I'], ['ı', 'İ']], // dotless and dotted I have no simple folding
  ['(?i)ı', ['ı'], ['i', 'I']],
  ['(?i)ÜNÏ', ['ünï', 'ÜNÏ'], []],
  ['(?i)\\x{1e900}', ['\u{1e900}', '\u{1e922}'], []], // Adlam
  ['(?i)\\x{a7c0}', ['\ua7c0'], ['\ua7c1']], // paired in Unicode 14 only: not in Go 1.19's tables
  ['(?i)\\x4B', ['k', K], []],
  ['(?i)\\Qa.b\\E', ['A.B', 'a.b'], ['axb']],
  ['(?i)a{2}', ['aA', 'AA'], ['a']],
  // (?i): classes and ranges fold too; negation applies after folding.
  ['(?i)[k]', ['k', 'K', K], []],
  ['(?i)[^k]', ['x', '1'], ['k', 'K', K]],
  ['(?i)[a-z]+', ['Hello', `${K}${LONG_S}`], ['1']],
  ['(?i)[^a-z]', ['1', 'é'], ['A', K, LONG_S]],
  ['(?i)[A-Z]', ['a', K], []],
  ['(?i)[[:upper:]]', ['a', 'A', K], ['1']],
  ['(?i)[[:^upper:]]', ['1'], ['a', 'A', K, LONG_S]],
  ['(?i)\\w', ['a', '_', K, LONG_S], ['-']],
  ['(?i)\\W', ['-', 'é'], ['a', K, LONG_S]],
  ['(?i)[\\W]', ['-'], [K, LONG_S]],
  ['(?i)[^\\W]', [K, 'a'], ['-']],
  ['\\w', ['a'], [K, LONG_S]],
  ['\\W', [K, LONG_S], ['a']],
  ['(?i)\\p{Lu}', ['A', 'a', 'ß', 'ǅ'], ['1', 'ª']],
  ['(?i)\\P{Lu}', ['1', 'ª'], ['A', 'a', 'ǅ']],
  ['(?i)[\\P{Lu}]', ['1'], ['a', 'A']],
  ['(?i)[^\\P{Lu}]', ['a', 'A'], ['1']],
  ['\\P{Lu}', ['a', '1'], ['A']],
  ['(?i)\\p{Greek}', ['α', 'µ', '\u0345'], ['a']], // µ (Common) and U+0345 (Inherited) fold into Greek
  ['(?i)\\P{Greek}', ['a'], ['α', 'µ', '\u0345']],
  ['(?i)\\d\\D', ['1a', '1A'], ['a1']],
  ['(?i)\\b.\\b', ['a', 'K'], [K, LONG_S]], // \b is ASCII in Go, unfolded: the Kelvin sign is no word character
  // Scoping: (?flags) lasts to the end of the enclosing group; (?flags:re) covers re.
  ['a(?i)X', ['ax', 'aX'], ['AX']],
  ['(?i)a(?-i)X', ['aX', 'AX'], ['ax']],
  ['(a(?i)x)b', ['aXb', 'axb'], ['aXB']],
  ['(?:a(?i)x)b', ['aXb'], ['aXB']],
  ['a(?i:x)b', ['aXb'], ['aXB', 'AXb']],
  ['(?i:a(?-i:b)c)d', ['AbCd'], ['ABcd', 'abcD']],
  ['a(?i)b|c', ['aB', 'C'], ['AB']], // the flag reaches the next alternative
  ['(?i)(?-i)a', ['a'], ['A']],
  ['(?i-i)a', ['a'], ['A']],
  ['(?ii)a', ['A'], []],
  ['(?)a', ['a'], ['A']],
  ['(?:)a', ['a'], []],
  // (?s): . matches \n; without it, Go's . is [^\n] (it does match \r).
  ['a.c', ['abc', 'a\rc'], ['a\nc']],
  ['(?s)a.c', ['a\nc'], []],
  ['a(?s:.)c.', ['a\ncx'], ['a\nc\n']],
  ['(?s)a(?-s).c', ['abc'], ['a\nc']],
  ['(?is)A.C', ['a\nc'], []],
  // (?m): ^ and $ at line boundaries; without it, at the ends of the text only.
  ['a$\\nb', [], ['a\nb']],
  ['(?m)a$\\n^b', ['a\nb'], []],
  ['(?m:a$)\\nb', ['a\nb'], []],
  ['(?m)a$\\n(?-m)^b', [], ['a\nb']],
  ['(?m)^$', [''], []],
];

/** [pattern, input, first capture group under exec]: greediness, swapped by (?U). */
const CAPTURES: Array<[string, string, string]> = [
  ['^(a+)', 'aaa', 'aaa'],
  ['(?U)^(a+)', 'aaa', 'a'],
  ['(?U)^(a+?)', 'aaa', 'aaa'],
  ['(?U)^(a*)', 'aaa', ''],
  ['(?U)^(a?)', 'a', ''],
  ['(?U)^(a??)', 'a', 'a'],
  ['(?U)^(a{1,3})', 'aaa', 'a'],
  ['(?U)^(a{1,3}?)', 'aaa', 'aaa'],
  ['(?U)^(a{2,})', 'aaaa', 'aa'],
  ['^(?U:(a+))(a*)', 'aaa', 'a'],
  ['^(?U)(?-U:(a+))', 'aaa', 'aaa'],
  ['^(?U)((?-U)a+)', 'aaa', 'aaa'],
  ['^(?U)(a+)$', 'aaa', 'aaa'],
  ['(?iU)^(.+)B', 'abab', 'a'],
];

/** [pattern, fragment of the error message]. */
const ERRORS: Array<[string, string]> = [
  ['(?i-)a', 'invalid or unsupported Perl syntax "(?i-)"'],
  ['(?-)a', 'invalid or unsupported Perl syntax "(?-)"'],
  ['(?i-s-m)a', 'invalid or unsupported Perl syntax "(?i-s-"'],
  ['(?x)a', 'invalid or unsupported Perl syntax "(?x"'],
  ['(?i', 'invalid or unsupported Perl syntax "(?i"'],
  ['(?ia', 'invalid or unsupported Perl syntax "(?ia"'],
  ['(?=a)', 'lookahead and lookbehind'],
  ['(?!a)', 'lookahead and lookbehind'],
  ['(?<=a)b', 'lookahead and lookbehind'],
  ['(?<!a)b', 'lookahead and lookbehind'],
  ['(a)\\1', 'backreferences such as \\1'],
  ['(?P<n>a)(?P=n)', 'backreferences are not supported'],
  ['(?>a)', 'atomic groups'],
  ['(?#c)a', 'comments'],
  ['(?i)a**', 'invalid nested repetition operator'],
  ['(?U)a+?+', 'invalid nested repetition operator'],
  ['(?i:a', 'missing closing ")"'],
  ['(?i)a)', 'unexpected ")"'],
];

describe('Go regexp flags', () => {
  it.each(MATCHES)('%j', (pattern, yes, no) => {
    const re = full(pattern);
    for (const s of yes) expect(re.test(s), `${pattern} should match ${JSON.stringify(s)}`).toBe(true);
    for (const s of no) expect(re.test(s), `${pattern} should not match ${JSON.stringify(s)}`).toBe(false);
  });

  it.each(CAPTURES)('%j on %j captures %j', (pattern, input, group) => {
    expect(compile(pattern).exec(input)?.[1]).toBe(group);
  });

  it.each(ERRORS)('%j is an error', (pattern, message) => {
    const r = translateGoRegexp(pattern);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain(message);
  });

  it('compiles the flags away: the RegExp only has the u flag', () => {
    expect(translateGoRegexp('(?i)ab')).toEqual({ ok: true, source: '[Aa][Bb]', flags: 'u', captures: 0 });
    expect(translateGoRegexp('(?i)k')).toEqual({ ok: true, source: '[Kk\\u{212a}]', flags: 'u', captures: 0 });
    expect(translateGoRegexp('a(?i:1)')).toEqual({ ok: true, source: 'a(?:1)', flags: 'u', captures: 0 });
    expect(translateGoRegexp('(?U)a*b*?')).toEqual({ ok: true, source: 'a*?b*', flags: 'u', captures: 0 });
    expect(translateGoRegexp('(?sm)^.$')).toEqual({ ok: true, source: '(?<![^\\n])[\\s\\S](?![^\\n])', flags: 'u', captures: 0 });
  });

  it('does not fold where the flag is off', () => {
    expect(full('(?i:a)b').test('AB')).toBe(false);
    expect(full('[a-z]').test(K)).toBe(false);
  });
});
