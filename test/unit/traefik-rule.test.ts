import { describe, expect, it } from 'vitest';
import {
  compareRouters,
  compileGoRegexp,
  parseRule,
  translateGoRegexp,
  type CompiledRule,
  type RuleRequest,
  type RuleSyntax,
} from '../../simulation/routing/rule';

function req(over: Partial<RuleRequest> = {}): RuleRequest {
  return {
    host: 'app.example.com',
    path: '/api/orders',
    method: 'GET',
    headers: {},
    query: {},
    clientIP: '10.0.0.7',
    ...over,
  };
}

function compile(source: string, syntax: RuleSyntax = 'v3'): CompiledRule {
  const r = parseRule(source, syntax);
  if (!r.ok) throw new Error(`expected ${source} to parse, got column ${r.column}: ${r.message}`);
  return r.rule;
}

function matches(source: string, over: Partial<RuleRequest>, syntax: RuleSyntax = 'v3'): boolean {
  return compile(source, syntax).match(req(over));
}

function error(source: string, syntax: RuleSyntax = 'v3'): { column: number; message: string } {
  const r = parseRule(source, syntax);
  if (r.ok) throw new Error(`expected ${source} to be rejected`);
  return { column: r.column, message: r.message };
}

describe('v3 matchers', () => {
  it('Host: case-insensitive, port ignored, trailing dot tolerated', () => {
    const rule = 'Host(`App.Example.com`)';
    expect(matches(rule, { host: 'app.example.com' })).toBe(true);
    expect(matches(rule, { host: 'APP.EXAMPLE.COM:8443' })).toBe(true);
    expect(matches(rule, { host: 'app.example.com.' })).toBe(true);
    expect(matches('Host(`app.example.com.`)', { host: 'app.example.com' })).toBe(true);
    expect(matches(rule, { host: 'api.example.com' })).toBe(false);
    expect(matches(rule, { host: 'app.example.com.evil' })).toBe(false);
    expect(matches(rule, { host: '' })).toBe(false);
    expect(matches('Host(`::1`)', { host: '[::1]:80' })).toBe(true);
  });

  it('HostRegexp: Go regexp, unanchored, tested on the lower-cased host without port', () => {
    expect(matches('HostRegexp(`^[a-z]+\\.example\\.com$`)', { host: 'Shop.example.com:80' })).toBe(true);
    expect(matches('HostRegexp(`^[a-z]+\\.example\\.com$`)', { host: 'shop1.example.com' })).toBe(false);
    // Not anchored: matches anywhere.
    expect(matches('HostRegexp(`example`)', { host: 'www.example.org' })).toBe(true);
    expect(matches('HostRegexp(`example`)', { host: 'www.other.org' })).toBe(false);
  });

  it('Method: argument upper-cased, request method compared exactly', () => {
    expect(matches('Method(`post`)', { method: 'POST' })).toBe(true);
    expect(matches('Method(`POST`)', { method: 'GET' })).toBe(false);
    expect(matches('Method(`POST`)', { method: 'post' })).toBe(false);
  });

  it('Path: exact', () => {
    expect(matches('Path(`/api/orders`)', { path: '/api/orders' })).toBe(true);
    expect(matches('Path(`/api/orders`)', { path: '/api/orders/' })).toBe(false);
    expect(matches('Path(`/api/orders`)', { path: '/API/orders' })).toBe(false);
  });

  it('PathPrefix: plain string prefix, no segment boundary and no regexp', () => {
    expect(matches('PathPrefix(`/api`)', { path: '/api/orders' })).toBe(true);
    expect(matches('PathPrefix(`/api`)', { path: '/apiv2' })).toBe(true);
    expect(matches('PathPrefix(`/api`)', { path: '/ap' })).toBe(false);
    expect(matches('PathPrefix(`/a.c`)', { path: '/abc' })).toBe(false);
    expect(matches('PathPrefix(`/{id}`)', { path: '/{id}/x' })).toBe(true);
  });

  it('PathRegexp: unanchored Go regexp', () => {
    expect(matches('PathRegexp(`\\.(jpeg|jpg|png)$`)', { path: '/img/cat.png' })).toBe(true);
    expect(matches('PathRegexp(`\\.(jpeg|jpg|png)$`)', { path: '/img/cat.png.txt' })).toBe(false);
    expect(matches('PathRegexp(`^/users/[0-9]+$`)', { path: '/users/42' })).toBe(true);
    expect(matches('PathRegexp(`^/users/[0-9]+$`)', { path: '/users/42/x' })).toBe(false);
  });

  it('Header: header name in any case, exact value', () => {
    expect(matches('Header(`X-Canary`, `always`)', { headers: { 'x-canary': 'always' } })).toBe(true);
    expect(matches('Header(`x-canary`, `always`)', { headers: { 'X-Canary': 'always' } })).toBe(true);
    expect(matches('Header(`X-Canary`, `always`)', { headers: { 'X-Canary': 'Always' } })).toBe(false);
    expect(matches('Header(`X-Canary`, `always`)', { headers: { 'X-Other': 'always' } })).toBe(false);
  });

  it('HeaderRegexp: unanchored regexp on the value', () => {
    const rule = 'HeaderRegexp(`User-Agent`, `(?i)mobile`)';
    expect(matches(rule, { headers: { 'user-agent': 'Foo MOBILE Safari' } })).toBe(true);
    expect(matches(rule, { headers: { 'user-agent': 'Desktop' } })).toBe(false);
    expect(matches(rule, { headers: {} })).toBe(false);
  });

  it('Query with a value, and without one (an empty value is required)', () => {
    expect(matches('Query(`canary`, `true`)', { query: { canary: 'true' } })).toBe(true);
    expect(matches('Query(`canary`, `true`)', { query: { canary: 'false' } })).toBe(false);
    expect(matches('Query(`canary`, `true`)', { query: {} })).toBe(false);
    expect(matches('Query(`mobile`)', { query: { mobile: '' } })).toBe(true);
    expect(matches('Query(`mobile`)', { query: { mobile: 'yes' } })).toBe(false);
    expect(matches('Query(`mobile`)', { query: {} })).toBe(false);
    // Inherited object properties are not query parameters.
    expect(matches('Query(`toString`)', { query: {} })).toBe(false);
  });

  it('QueryRegexp: regexp on the value; with one argument it behaves like Query', () => {
    expect(matches('QueryRegexp(`v`, `^[0-9]+$`)', { query: { v: '123' } })).toBe(true);
    expect(matches('QueryRegexp(`v`, `^[0-9]+$`)', { query: { v: '12a' } })).toBe(false);
    expect(matches('QueryRegexp(`v`, `^[0-9]+$`)', { query: {} })).toBe(false);
    expect(matches('QueryRegexp(`v`)', { query: { v: '' } })).toBe(true);
    expect(matches('QueryRegexp(`v`)', { query: { v: '1' } })).toBe(false);
  });

  it('ClientIP: IPv4 and IPv6, plain address or CIDR', () => {
    expect(matches('ClientIP(`10.0.0.0/8`)', { clientIP: '10.200.3.4' })).toBe(true);
    expect(matches('ClientIP(`10.0.0.0/8`)', { clientIP: '11.0.0.1' })).toBe(false);
    expect(matches('ClientIP(`10.0.0.7`)', { clientIP: '10.0.0.7' })).toBe(true);
    expect(matches('ClientIP(`10.0.0.7`)', { clientIP: '10.0.0.8' })).toBe(false);
    expect(matches('ClientIP(`192.168.1.0/25`)', { clientIP: '192.168.1.127' })).toBe(true);
    expect(matches('ClientIP(`192.168.1.0/25`)', { clientIP: '192.168.1.128' })).toBe(false);
    expect(matches('ClientIP(`fd00::/8`)', { clientIP: 'fd12:3456::1' })).toBe(true);
    expect(matches('ClientIP(`fd00::/8`)', { clientIP: 'fe80::1' })).toBe(false);
    expect(matches('ClientIP(`2001:db8::1`)', { clientIP: '2001:0db8:0:0:0:0:0:1' })).toBe(true);
    expect(matches('ClientIP(`2001:db8::1`)', { clientIP: '2001:db8::2' })).toBe(false);
    expect(matches('ClientIP(`::1`)', { clientIP: '::1' })).toBe(true);
    // An IPv4-mapped IPv6 client address is the IPv4 address, as in Go.
    expect(matches('ClientIP(`10.0.0.0/8`)', { clientIP: '::ffff:10.1.2.3' })).toBe(true);
    // A port on the client address is ignored; garbage never matches.
    expect(matches('ClientIP(`10.0.0.7`)', { clientIP: '10.0.0.7:51234' })).toBe(true);
    expect(matches('ClientIP(`fd00::/8`)', { clientIP: '[fd00::5]:443' })).toBe(true);
    expect(matches('ClientIP(`10.0.0.7`)', { clientIP: 'not-an-ip' })).toBe(false);
    expect(matches('!ClientIP(`10.0.0.7`)', { clientIP: 'not-an-ip' })).toBe(true);
  });

  it('matcher names are also accepted in lower, upper and title case', () => {
    expect(matches('host(`app.example.com`) && PATHPREFIX(`/api`) && Pathprefix(`/api/o`)', {})).toBe(true);
  });

  it('double-quoted Go strings with escapes work like backticks', () => {
    expect(matches('PathRegexp("^/users/\\\\d+$")', { path: '/users/7' })).toBe(true);
    expect(matches('Header("X-Q", "a\\"b")', { headers: { 'X-Q': 'a"b' } })).toBe(true);
    expect(matches('Path("/caf\\u00e9")', { path: '/café' })).toBe(true);
  });
});

describe('operators', () => {
  const a = 'Host(`a.com`)';
  const b = 'Path(`/b`)';
  const c = 'Method(`POST`)';

  it('&& binds tighter than ||: a || b && c is a || (b && c)', () => {
    const rule = compile(`${a} || ${b} && ${c}`);
    // a alone is enough
    expect(rule.match(req({ host: 'a.com', path: '/x', method: 'GET' }))).toBe(true);
    // b without c is not
    expect(rule.match(req({ host: 'x.com', path: '/b', method: 'GET' }))).toBe(false);
    expect(rule.match(req({ host: 'x.com', path: '/b', method: 'POST' }))).toBe(true);
    // (a || b) && c would have rejected this one
    expect(rule.match(req({ host: 'a.com', path: '/x', method: 'GET' }))).toBe(true);
  });

  it('parentheses override precedence', () => {
    const rule = compile(`(${a} || ${b}) && ${c}`);
    expect(rule.match(req({ host: 'a.com', path: '/x', method: 'GET' }))).toBe(false);
    expect(rule.match(req({ host: 'a.com', path: '/x', method: 'POST' }))).toBe(true);
    expect(rule.match(req({ host: 'x.com', path: '/b', method: 'POST' }))).toBe(true);
  });

  it('! negates a matcher and a parenthesised group, binding tighter than &&', () => {
    expect(matches(`!${a}`, { host: 'a.com' })).toBe(false);
    expect(matches(`!${a}`, { host: 'b.com' })).toBe(true);
    expect(matches(`!!${a}`, { host: 'a.com' })).toBe(true);
    // !a && c is (!a) && c
    expect(matches(`!${a} && ${c}`, { host: 'b.com', method: 'POST' })).toBe(true);
    expect(matches(`!${a} && ${c}`, { host: 'a.com', method: 'GET' })).toBe(false);
    // !(a || b)
    expect(matches(`!(${a} || ${b})`, { host: 'x.com', path: '/x' })).toBe(true);
    expect(matches(`!(${a} || ${b})`, { host: 'x.com', path: '/b' })).toBe(false);
  });

  it('whitespace, tabs and a line break after an operator are allowed', () => {
    expect(matches(`${a} &&\n\t${b}`, { host: 'a.com', path: '/b' })).toBe(true);
    expect(matches(`  ${a}  `, { host: 'a.com' })).toBe(true);
  });
});

describe('default priority', () => {
  it('is the length of the rule', () => {
    const rule = compile('Host(`app.example.com`) && PathPrefix(`/api`)');
    expect(rule.defaultPriority).toBe(45);
    expect(rule.source).toBe('Host(`app.example.com`) && PathPrefix(`/api`)');
    expect(compile('PathPrefix(`/`)').defaultPriority).toBe(15);
  });

  it('counts bytes, as Go len does (UTF-8)', () => {
    expect(compile('Path(`/café`)').defaultPriority).toBe(14);
  });

  it('makes a longer rule outrank a shorter one', () => {
    const long = compile('Host(`app.example.com`) && PathPrefix(`/api`)');
    const short = compile('Host(`app.example.com`)');
    expect(short.defaultPriority).toBe(23);
    const routers = [
      { name: 'a-short', priority: short.defaultPriority },
      { name: 'z-long', priority: long.defaultPriority },
    ].sort(compareRouters);
    expect(routers.map((r) => r.name)).toEqual(['z-long', 'a-short']);
  });
});

describe('compareRouters', () => {
  it('orders by priority, highest first, then by name ascending for equal priorities', () => {
    const routers = [
      { name: 'b', priority: 10 },
      { name: 'c', priority: 30 },
      { name: 'a', priority: 10 },
      { name: 'd', priority: 20 },
      { name: 'A', priority: 10 },
    ];
    expect([...routers].sort(compareRouters).map((r) => r.name)).toEqual(['c', 'd', 'A', 'a', 'b']);
    expect(compareRouters({ name: 'x', priority: 1 }, { name: 'x', priority: 1 })).toBe(0);
    expect(compareRouters({ name: 'x', priority: 2 }, { name: 'a', priority: 1 })).toBe(-1);
    expect(compareRouters({ name: 'a', priority: 1 }, { name: 'b', priority: 1 })).toBe(-1);
  });
});

describe('v2 syntax', () => {
  it('Host and Method take several arguments', () => {
    expect(matches('Host(`a.com`, `b.com`)', { host: 'B.com:80' }, 'v2')).toBe(true);
    expect(matches('Host(`a.com`, `b.com`)', { host: 'c.com' }, 'v2')).toBe(false);
    expect(matches('HostHeader(`a.com`)', { host: 'a.com' }, 'v2')).toBe(true);
    expect(matches('Method(`get`, `POST`)', { method: 'POST' }, 'v2')).toBe(true);
    expect(matches('Method(`GET`, `POST`)', { method: 'PUT' }, 'v2')).toBe(false);
  });

  it('HostRegexp templates are anchored; the default variable pattern is [^.]+', () => {
    const rule = 'HostRegexp(`{subdomain:[a-z]+}.example.com`)';
    expect(matches(rule, { host: 'shop.example.com' }, 'v2')).toBe(true);
    expect(matches(rule, { host: 'shop.example.com:8080' }, 'v2')).toBe(true);
    expect(matches(rule, { host: 'shop1.example.com' }, 'v2')).toBe(false);
    expect(matches(rule, { host: 'shop.example.com.evil' }, 'v2')).toBe(false);
    // the dot is literal, not "any character"
    expect(matches(rule, { host: 'shop.exampleXcom' }, 'v2')).toBe(false);
    expect(matches('HostRegexp(`{any}.example.com`)', { host: 'a-b.example.com' }, 'v2')).toBe(true);
    expect(matches('HostRegexp(`{any}.example.com`)', { host: 'a.b.example.com' }, 'v2')).toBe(false);
    expect(matches('HostRegexp(`a.com`, `{x:[0-9]+}.b.com`)', { host: '42.b.com' }, 'v2')).toBe(true);
  });

  it('Path and PathPrefix templates', () => {
    expect(matches('Path(`/users/{id:[0-9]+}`)', { path: '/users/42' }, 'v2')).toBe(true);
    expect(matches('Path(`/users/{id:[0-9]+}`)', { path: '/users/42/orders' }, 'v2')).toBe(false);
    expect(matches('Path(`/users/{id:[0-9]+}`)', { path: '/users/abc' }, 'v2')).toBe(false);
    expect(matches('Path(`/users/{id}`)', { path: '/users/abc' }, 'v2')).toBe(true);
    expect(matches('Path(`/users/{id}`)', { path: '/users/a/b' }, 'v2')).toBe(false);
    expect(matches('Path(`/a`, `/b`)', { path: '/b' }, 'v2')).toBe(true);
    expect(matches('PathPrefix(`/articles/{cat}/{id:[0-9]+}`)', { path: '/articles/tech/12/comments' }, 'v2')).toBe(true);
    expect(matches('PathPrefix(`/articles/{cat}/{id:[0-9]+}`)', { path: '/articles/tech/x' }, 'v2')).toBe(false);
    expect(matches('PathPrefix(`/api`)', { path: '/apiv2' }, 'v2')).toBe(true);
    expect(matches('PathPrefix(`/api`)', { path: '/other/api' }, 'v2')).toBe(false);
  });

  it('Headers and HeadersRegexp', () => {
    expect(matches('Headers(`X-Canary`, `yes`)', { headers: { 'x-canary': 'yes' } }, 'v2')).toBe(true);
    expect(matches('Headers(`X-Canary`, `yes`)', { headers: { 'x-canary': 'no' } }, 'v2')).toBe(false);
    expect(matches('HeadersRegexp(`X-Canary`, `^y`)', { headers: { 'X-CANARY': 'yep' } }, 'v2')).toBe(true);
    expect(matches('HeadersRegexp(`X-Canary`, `^y`)', { headers: { 'X-CANARY': 'nope' } }, 'v2')).toBe(false);
  });

  it('Query takes key=value items, with templates; an empty value accepts any value', () => {
    expect(matches('Query(`canary=true`)', { query: { canary: 'true' } }, 'v2')).toBe(true);
    expect(matches('Query(`canary=true`)', { query: { canary: 'truex' } }, 'v2')).toBe(false);
    expect(matches('Query(`a=1`, `b=2`)', { query: { a: '1', b: '2' } }, 'v2')).toBe(true);
    expect(matches('Query(`a=1`, `b=2`)', { query: { a: '1' } }, 'v2')).toBe(false);
    expect(matches('Query(`id={id:[0-9]+}`)', { query: { id: '17' } }, 'v2')).toBe(true);
    expect(matches('Query(`id={id:[0-9]+}`)', { query: { id: 'x' } }, 'v2')).toBe(false);
    expect(matches('Query(`debug=`)', { query: { debug: 'anything' } }, 'v2')).toBe(true);
    expect(matches('Query(`debug=`)', { query: {} }, 'v2')).toBe(false);
  });

  it('ClientIP takes several arguments', () => {
    expect(matches('ClientIP(`10.0.0.0/8`, `fd00::/8`)', { clientIP: 'fd00::1' }, 'v2')).toBe(true);
    expect(matches('ClientIP(`10.0.0.0/8`, `fd00::/8`)', { clientIP: '192.168.0.1' }, 'v2')).toBe(false);
  });

  it('v3-only and v2-only matchers are unknown in the other syntax', () => {
    expect(error('Header(`a`, `b`)', 'v2')).toEqual({
      column: 1,
      message: expect.stringContaining('unknown matcher "Header" at column 1 (it exists only in the v3 syntax)'),
    });
    expect(error('Headers(`a`, `b`)').message).toContain('(it exists only in the v2 syntax)');
    expect(error('Host(`a.com`, `b.com`)').message).toBe(
      'wrong number of arguments for Host at column 1; expected 1 argument, found 2',
    );
  });
});

describe('errors', () => {
  it('unknown matcher, with the list and a suggestion', () => {
    const e = error('Hots(`a.com`)');
    expect(e.column).toBe(1);
    expect(e.message).toBe(
      'unknown matcher "Hots" at column 1; expected one of Host, HostRegexp, Method, Path, PathPrefix, PathRegexp, Header, HeaderRegexp, Query, QueryRegexp, ClientIP; did you mean "Host"?',
    );
    expect(error('Host(`a.com`) && PathPrefx(`/a`)')).toEqual({ column: 18, message: expect.stringContaining('did you mean "PathPrefix"?') });
    expect(error('Frobnicate(`x`)').message).not.toContain('did you mean');
  });

  it('wrong argument count', () => {
    expect(error('Path(`/a`) || Header(`X-A`)')).toEqual({
      column: 15,
      message: 'wrong number of arguments for Header at column 15; expected 2 arguments, found 1',
    });
    expect(error('Query()')).toEqual({
      column: 1,
      message: 'wrong number of arguments for Query at column 1; expected 1 argument or 2 arguments, found 0',
    });
    expect(error('Headers(`a`, `b`, `c`)', 'v2').message).toContain('expected an even number of arguments');
  });

  it('empty argument', () => {
    expect(error('Host(``)')).toEqual({ column: 6, message: 'empty argument at column 6 for matcher Host; expected a non-empty string' });
  });

  it('unterminated string', () => {
    expect(error('Host(`a.com)')).toEqual({ column: 6, message: expect.stringMatching(/^unterminated string at column 6/) });
    expect(error('Path(`/`) && Host("a.com)')).toEqual({ column: 19, message: expect.stringMatching(/^unterminated string at column 19/) });
  });

  it('single quotes and bad escapes', () => {
    expect(error("Host('a.com')").column).toBe(6);
    expect(error("Host('a.com')").message).toContain('single quotes are not accepted');
    expect(error('PathRegexp("\\d+")')).toEqual({ column: 13, message: expect.stringContaining('invalid escape "\\d" in double-quoted string at column 13') });
  });

  it('bad regex, reported at the argument', () => {
    const e = error('Path(`/`) && PathRegexp(`^/(a`)');
    expect(e.column).toBe(25);
    expect(e.message).toMatch(/^bad regular expression for PathRegexp at column 25: missing closing "\)"/);
    expect(error('HostRegexp(`[a-z`)').message).toContain('missing closing ]');
    expect(error('HeaderRegexp(`X`, `a**`)').message).toContain('invalid nested repetition operator');
    expect(error('PathRegexp(`(?=x)`)').message).toContain('lookahead and lookbehind assertions are not supported');
    expect(error('PathRegexp(`(a)\\1`)').message).toContain('backreferences');
    expect(error('QueryRegexp(`q`, `a{1001}`)').message).toContain('invalid repeat count');
    expect(error('Path(`/{id:(x)}`)', 'v2').message).toContain('contains capturing groups');
    expect(error('Path(`/{id`)', 'v2').message).toContain('unbalanced braces');
  });

  it('unbalanced parentheses', () => {
    expect(error('(Host(`a.com`) || Path(`/`)')).toEqual({
      column: 1,
      message: 'unbalanced parentheses: "(" at column 1 is never closed; expected ")", found end of input',
    });
    expect(error('Host(`a.com`))')).toEqual({ column: 14, message: 'unbalanced parentheses: ")" at column 14 has no matching "("' });
    expect(error('Host(`a.com`')).toEqual({ column: 5, message: expect.stringMatching(/^unbalanced parentheses: "\(" at column 5 of Host is never closed/) });
  });

  it('trailing input', () => {
    expect(error('Host(`a.com`) Path(`/`)')).toEqual({
      column: 15,
      message: 'trailing input at column 15; expected "&&", "||" or end of input, found identifier "Path"',
    });
    // Go ends the expression at a line break after ")".
    expect(error('Host(`a.com`)\n&& Path(`/`)')).toEqual({ column: 15, message: expect.stringMatching(/^trailing input at column 15/) });
    expect(error('Host(`a.com`) & Path(`/`)').column).toBe(15);
  });

  it('other invalid values', () => {
    expect(error('Path(`api`)')).toEqual({ column: 6, message: 'invalid path "api" for Path at column 6; expected a path starting with "/"' });
    expect(error('ClientIP(`10.0.0.300`)').message).toMatch(/^invalid IP address "10.0.0.300" for ClientIP at column 10/);
    expect(error('ClientIP(`10.0.0.0/33`)').message).toContain('expected a prefix length between 0 and 32');
    expect(error('Host(`café.com`)').message).toContain('non-ASCII characters are not allowed');
    expect(error('')).toEqual({ column: 1, message: expect.stringMatching(/^empty rule at column 1/) });
    expect(error('Host').message).toBe('expected "(" after matcher Host at column 5, found end of input');
    expect(error('Host(`a`) && ').message).toBe('expected a matcher, "!" or "(" at column 14, found end of input');
  });
});

describe('Go regexp translation', () => {
  const goMatch = (pattern: string, input: string): boolean => {
    const r = compileGoRegexp(pattern);
    if (!r.ok) throw new Error(r.message);
    return r.regexp.test(input);
  };

  it('keeps Go meaning of ., ^, $, \\A, \\z and \\s', () => {
    expect(goMatch('^a.c$', 'a\rc')).toBe(true); // Go's . matches \r
    expect(goMatch('^a.c$', 'a\nc')).toBe(false);
    expect(goMatch('(?s)^a.c$', 'a\nc')).toBe(true);
    expect(goMatch('(?m)^b$', 'a\nb\nc')).toBe(true);
    expect(goMatch('^b$', 'a\nb\nc')).toBe(false);
    expect(goMatch('\\Aab\\z', 'ab')).toBe(true);
    expect(goMatch('\\Aab\\z', 'ab\n')).toBe(false);
    expect(goMatch('^\\s$', '\v')).toBe(false); // \v is not in Go's \s
    expect(goMatch('^\\s$', '\t')).toBe(true);
  });

  it('translates Go-only syntax', () => {
    expect(goMatch('^(?P<id>[0-9]+)$', '12')).toBe(true);
    expect(goMatch('^[[:alpha:]]+$', 'abcXYZ')).toBe(true);
    expect(goMatch('^[[:^digit:]]+$', 'ab1')).toBe(false);
    expect(goMatch('^\\Qa.b\\E$', 'a.b')).toBe(true);
    expect(goMatch('^\\Qa.b\\E$', 'axb')).toBe(false);
    expect(goMatch('^\\x{41}\\x42$', 'AB')).toBe(true);
    expect(goMatch('^\\pL+$', 'héllo')).toBe(true);
    expect(goMatch('^\\p{Greek}+$', 'αβγ')).toBe(true);
    expect(goMatch('^[]a]+$', ']a]')).toBe(true);
    expect(goMatch('^a{2}$', 'aa')).toBe(true);
    expect(goMatch('^a{,2}$', 'a{,2}')).toBe(true); // not a repeat in Go: literal
    expect(goMatch('(?i)^abc$', 'ABC')).toBe(true);
    expect(goMatch('^\\-\\#$', '-#')).toBe(true);
    expect(goMatch('^[a\\-z]+$', 'a-z')).toBe(true);
    expect(goMatch('^[a\\-z]+$', 'b')).toBe(false);
    expect(goMatch('^[-a]$', '-')).toBe(true);
  });

  it('rejects what it cannot translate faithfully, with a reason', () => {
    const bad = (p: string): string => {
      const r = translateGoRegexp(p);
      return r.ok ? 'ok' : r.message;
    };
    expect(bad('a(?i)b')).toBe('ok'); // flag groups anywhere: see go-regexp.test.ts
    expect(bad('(?U)a+')).toBe('ok');
    expect(bad('(?i-)a')).toContain('invalid or unsupported Perl syntax "(?i-)"');
    expect(bad('(?<!a)b')).toContain('lookahead and lookbehind');
    expect(bad('\\Z')).toContain('invalid escape sequence \\Z');
    expect(bad('\\e')).toContain('invalid escape sequence \\e');
    expect(bad('a)')).toContain('unexpected ")"');
    expect(translateGoRegexp('(a)(?:b)(?P<c>d)')).toEqual({ ok: true, source: '(a)(?:b)(d)', flags: 'u', captures: 2 });
  });
});
