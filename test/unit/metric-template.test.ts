import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  collapseWhitespace,
  renderQuery,
  TRAEFIK_BUILTIN_QUERIES,
  type MetricTemplateModel,
  type RenderResult,
} from '../../simulation/rollout/template';

const model: MetricTemplateModel = {
  name: 'podinfo-canary',
  namespace: 'default',
  target: 'podinfo',
  service: 'podinfo-svc',
  ingress: 'podinfo-ing',
  route: 'podinfo-route',
  interval: '1m',
  variables: { app: 'frontend', threshold: '0.5' },
};

function ok(template: string, m: MetricTemplateModel = model): string {
  const r = renderQuery(template, m);
  if (!r.ok) throw new Error(`expected success, got: ${r.error}`);
  return r.query;
}

function fail(template: string, m: MetricTemplateModel = model): Extract<RenderResult, { ok: false }> {
  const r = renderQuery(template, m);
  if (r.ok) throw new Error(`expected an error, rendered: ${JSON.stringify(r.query)}`);
  return r;
}

describe('model functions', () => {
  it.each([
    ['name', 'podinfo-canary'],
    ['namespace', 'default'],
    ['target', 'podinfo'],
    ['service', 'podinfo-svc'],
    ['ingress', 'podinfo-ing'],
    ['route', 'podinfo-route'],
    ['interval', '1m'],
  ])('{{ %s }}', (fn, expected) => {
    expect(ok(`<{{ ${fn} }}>`)).toBe(`<${expected}>`);
  });

  it('interval may be empty (templateRef metric without interval)', () => {
    expect(ok('[{{ interval }}]', { ...model, interval: '' })).toBe('[]');
  });

  it('model functions take no arguments', () => {
    expect(fail('{{ "x" | name }}').error).toBe(
      'template excution failed: template: tmpl:1:9: executing "tmpl" at <name>: wrong number of args for name: want 0 got 1',
    );
  });
});

describe('variables', () => {
  it('renders a present key', () => {
    expect(ok('app="{{ variables.app }}" > {{ variables.threshold }}')).toBe('app="frontend" > 0.5');
  });

  it('a missing key is an execution error naming the key with line:col', () => {
    const r = fail('sum(x)\n  / {{ variables.missing }}');
    expect(r.error).toBe(
      'template excution failed: template: tmpl:2:7: executing "tmpl" at <variables>: map has no entry for key "missing"',
    );
    expect(r.line).toBe(2);
    expect(r.column).toBe(7);
  });

  it('index gives the zero value for a missing key (an optional variable)', () => {
    expect(ok('[{{ index variables "missing" }}][{{ index variables "app" }}]')).toBe('[][frontend]');
  });

  it('the map prints like Go and ranges in sorted key order', () => {
    const m = { ...model, variables: { zeta: 'z', alpha: 'a' } };
    expect(ok('{{ variables }}', m)).toBe('map[alpha:a zeta:z]');
    expect(ok('{{ range $k, $v := variables }}{{ $k }}={{ $v }};{{ end }}', m)).toBe('alpha=a;zeta=z;');
    expect(ok('{{ range variables }}{{ . }}{{ else }}none{{ end }}', { ...model, variables: {} })).toBe('none');
  });
});

describe('trim markers', () => {
  it('trims all preceding / following whitespace, including newlines and tabs', () => {
    expect(ok('a \t\r\n {{- name }} b')).toBe('apodinfo-canary b');
    expect(ok('a {{ name -}} \n\t b')).toBe('a podinfo-canaryb');
    expect(ok('a \n {{- name -}} \n b')).toBe('apodinfo-canaryb');
    expect(ok('  {{- name -}}  ')).toBe('podinfo-canary');
  });

  it('the dash must be separated by whitespace: {{-3}} is the number -3', () => {
    expect(ok('a {{-3}} b')).toBe('a -3 b');
    expect(ok('a {{- 3}} b')).toBe('a3 b');
    expect(ok('a {{3 -}} b')).toBe('a 3b');
    expect(fail('{{3-}}').error).toBe('template parsing failed: template: tmpl:1: bad number syntax: "3-"');
  });

  it('works on a multi-line query with trimmed actions', () => {
    const q = 'sum(rate(x{\n  ns="{{- namespace -}}",\n  pod=~"{{ target }}-.*"\n}[{{- interval -}}]))';
    expect(ok(q)).toBe('sum(rate(x{\n  ns="default",\n  pod=~"podinfo-.*"\n}[1m]))');
  });
});

describe('comments', () => {
  it('are discarded, with or without trim markers', () => {
    expect(ok('a {{/* note */}} b')).toBe('a  b');
    expect(ok('a {{- /* multi\nline */ -}} b')).toBe('ab');
    expect(ok('a {{- /* c */}} b')).toBe('a b');
  });

  it('must fill the action exactly', () => {
    expect(fail('{{ /* c */ }}').error).toBe('template parsing failed: template: tmpl:1: unexpected "/" in command');
    expect(fail('{{/* c */ }}').error).toBe('template parsing failed: template: tmpl:1: comment ends before closing delimiter');
    expect(fail('{{/* c ').error).toBe('template parsing failed: template: tmpl:1: unclosed comment');
  });
});

describe('operands, pipelines and printf', () => {
  it('literals print like Go', () => {
    expect(ok('{{ "a\\tb" }}|{{ `raw\\n` }}|{{ 42 }}|{{ 1.5 }}|{{ 1e6 }}|{{ 0x10 }}|{{ \'a\' }}|{{ true }}')).toBe(
      'a\tb|raw\\n|42|1.5|1e+06|16|97|true',
    );
  });

  it('the dot is nil in Flagger', () => {
    expect(ok('{{ . }}')).toBe('<no value>');
  });

  it('pipes the value into the last argument', () => {
    expect(ok('{{ target | printf "%s-primary" }}')).toBe('podinfo-primary');
    expect(ok('{{ printf "%s.%s" namespace target | printf "[%s]" }}')).toBe('[default.podinfo]');
    expect(ok('{{ (printf "%s" target) | len }}')).toBe('7');
  });

  it('printf supports Go verbs and Go error forms', () => {
    expect(ok('{{ printf "%s %d %v %q %f %.2f %5.1f|%-4s|%03d %%" "s" 7 true "q\\"" 1.5 2.345 3.14159 "ab" 5 }}')).toBe(
      's 7 true "q\\"" 1.500000 2.35   3.1|ab  |005 %',
    );
    expect(ok('{{ printf "%.0f %.0f %.1f" 0.5 2.5 0.25 }}')).toBe('0 2 0.2'); // round half to even, like Go
    expect(ok('{{ printf "%d|%s" "x" }}')).toBe('%!d(string=x)|%!s(MISSING)');
    expect(ok('{{ printf "%s" "a" 1 }}')).toBe('a%!(EXTRA int=1)');
    expect(ok('{{ printf "%v" . }}')).toBe('<nil>');
  });

  it("printf's float verbs take fmt's default precisions (6 for e/E/f/F, shortest for g/G/v)", () => {
    expect(ok('{{ printf "%e|%E|%f|%F|%g|%G|%v" 1234.5678 1234.5678 1234.5678 1234.5678 1234.5678 0.00001 1e21 }}')).toBe(
      '1.234568e+03|1.234568E+03|1234.567800|1234.567800|1234.5678|1E-05|1e+21',
    );
    expect(ok('{{ printf "%.3v|%.3g|%.0e|%8.2f|%-8.1e|%+g" 3.14159 100000.0 2.5 -1.005 0.000123 0.5 }}')).toBe(
      '3.14|1e+05|2e+00|   -1.00|1.2e-04 |+0.5',
    );
  });

  it('print and println space operands like fmt', () => {
    expect(ok('{{ print 1 2 "a" "b" 3 }}')).toBe('1 2ab3');
    expect(ok('{{ println "a" 1 }}')).toBe('a 1\n');
  });

  it('escapers, len and index', () => {
    expect(ok('{{ urlquery "a b&c=d" }}')).toBe('a+b%26c%3Dd');
    expect(ok('{{ html "<a href=\'x\'>" }}')).toBe('&lt;a href=&#39;x&#39;&gt;');
    expect(ok('{{ js "a\'b<" }}')).toBe("a\\'b\\u003C");
    expect(ok('{{ len "héllo" }} {{ index "abc" 1 }}')).toBe('6 98');
  });
});

describe('control structures and comparisons', () => {
  it('if / else if / else', () => {
    const t = '{{ if eq target "a" }}A{{ else if eq target "podinfo" }}P{{ else }}other{{ end }}';
    expect(ok(t)).toBe('P');
    expect(ok(t, { ...model, target: 'zzz' })).toBe('other');
    expect(ok('{{ if and (ne namespace "") (lt 1 2) (not false) }}yes{{ end }}')).toBe('yes');
    expect(ok('{{ or "" 0 "x" }} {{ and 1 0 2 }}')).toBe('x 0');
  });

  it('with sets the dot; variables declare and assign', () => {
    expect(ok('{{ with variables.app }}app={{ . }}{{ end }}')).toBe('app=frontend');
    expect(ok('{{ with "" }}x{{ else with target }}{{ . }}{{ end }}')).toBe('podinfo');
    expect(ok('{{ $s := "a" }}{{ $s }}{{ $s = "b" }}{{ $s }}{{ $ }}')).toBe('ab<no value>');
  });

  it('range over an integer with break and continue', () => {
    expect(ok('{{ range $i := 5 }}{{ if eq $i 1 }}{{ continue }}{{ end }}{{ if eq $i 3 }}{{ break }}{{ end }}{{ $i }}{{ end }}')).toBe('02');
  });

  it('comparison type errors are Go-like', () => {
    expect(fail('{{ eq 1 "a" }}').error).toBe(
      'template excution failed: template: tmpl:1:3: executing "tmpl" at <eq 1 "a">: error calling eq: incompatible types for comparison',
    );
    expect(fail('{{ lt true false }}').error).toMatch(/error calling lt: invalid type for comparison$/);
  });
});

describe('parse errors', () => {
  it('unknown function', () => {
    const r = fail('sum(x)\n{{ foo }}');
    expect(r.error).toBe('template parsing failed: template: tmpl:2: function "foo" not defined');
    expect(r.line).toBe(2);
  });

  it('unclosed action', () => {
    expect(fail('x {{ target').error).toBe('template parsing failed: template: tmpl:1: unclosed action');
    expect(fail('{{ target\n').error).toBe('template parsing failed: template: tmpl:2: unclosed action started at tmpl:1');
  });

  it('unexpected tokens and structure', () => {
    expect(fail('{{ name } }}').error).toBe('template parsing failed: template: tmpl:1: unexpected "}" in operand');
    expect(fail('{{ if true }}x').error).toBe('template parsing failed: template: tmpl:1: unexpected EOF');
    expect(fail('{{ end }}').error).toBe('template parsing failed: template: tmpl:1: unexpected {{end}}');
    expect(fail('{{ }}').error).toBe('template parsing failed: template: tmpl:1: missing value for command');
    expect(fail('{{ $x }}').error).toBe('template parsing failed: template: tmpl:1: undefined variable "$x"');
    expect(fail('{{ variables.my-key }}').error).toBe("template parsing failed: template: tmpl:1: bad character U+002D '-'");
    expect(fail('{{ "open }}').error).toBe('template parsing failed: template: tmpl:1: unterminated quoted string');
    expect(fail('{{ break }}').error).toBe('template parsing failed: template: tmpl:1: {{break}} outside {{range}}');
  });

  it('unsupported constructs are named', () => {
    expect(fail('{{ define "x" }}y{{ end }}').error).toBe(
      'template parsing failed: template: tmpl:1: {{define}} is not supported by the GameDay simulator',
    );
    expect(fail('a\n{{ template "x" }}').error).toBe(
      'template parsing failed: template: tmpl:2: {{template}} is not supported by the GameDay simulator',
    );
    expect(fail('{{ block "x" . }}y{{ end }}').error).toMatch(/\{\{block\}\} is not supported by the GameDay simulator$/);
    expect(fail('{{ slice "abc" 1 }}').error).toMatch(/the "slice" function is not supported by the GameDay simulator$/);
    expect(fail('{{ call name }}').error).toMatch(/the "call" function is not supported by the GameDay simulator$/);
  });
});

describe('Flagger built-in Traefik queries (flagger.md §8.1)', () => {
  const m = { ...model, namespace: 'default', target: 'podinfo', interval: '1m' };

  it('request-success-rate renders to the reference string', () => {
    expect(collapseWhitespace(ok(TRAEFIK_BUILTIN_QUERIES['request-success-rate'], m))).toBe(
      ' sum( rate( traefik_service_request_duration_seconds_bucket{ service=~"default-podinfo-canary-[0-9a-zA-Z-]+@kubernetescrd", code!~"5..", le="+Inf" }[1m] ) ) / sum( rate( traefik_service_request_duration_seconds_bucket{ service=~"default-podinfo-canary-[0-9a-zA-Z-]+@kubernetescrd", le="+Inf" }[1m] ) ) * 100',
    );
  });

  it('request-duration renders to the reference string', () => {
    expect(collapseWhitespace(ok(TRAEFIK_BUILTIN_QUERIES['request-duration'], m))).toBe(
      ' histogram_quantile( 0.99, sum( rate( traefik_service_request_duration_seconds_bucket{ service=~"default-podinfo-canary-[0-9a-zA-Z-]+@kubernetescrd" }[1m] ) ) by (le) ) * 1000',
    );
  });
});

describe('collapseWhitespace', () => {
  it('collapses RE2 \\s runs ([\\t\\n\\f\\r ]) and nothing else', () => {
    expect(collapseWhitespace('\n\t a \f\r\n b  ')).toBe(' a b ');
    expect(collapseWhitespace('a\vb\u00a0c')).toBe('a\vb\u00a0c');
  });
});

// The MetricTemplate of the Flagger Traefik tutorial (../shared/examples/01-flagger-docs-traefik-tutorial.yaml), verbatim.
const TUTORIAL_METRIC_TEMPLATE = `apiVersion: flagger.app/v1beta1
kind: MetricTemplate
metadata:
  name: not-found-percentage
  namespace: test
spec:
  provider:
    type: prometheus
    address: http://flagger-prometheus.traefik:9090
  query: |
    sum(
      rate(
        traefik_service_request_duration_seconds_bucket{
          service=~"{{ namespace }}-{{ target }}-canary-[0-9a-zA-Z-]+@kubernetescrd",
          code!="404",
        }[{{ interval }}]
      )
    )
    /
    sum(
      rate(
        traefik_service_request_duration_seconds_bucket{
          service=~"{{ namespace }}-{{ target }}-canary-[0-9a-zA-Z-]+@kubernetescrd",
        }[{{ interval }}]
      )
    ) * 100
`;

describe('the Traefik tutorial MetricTemplate (YAML block scalar)', () => {
  const query = (parseYaml(TUTORIAL_METRIC_TEMPLATE) as { spec: { query: string } }).spec.query;
  const m = { ...model, namespace: 'test', target: 'podinfo', interval: '1m' };
  const expected = [
    'sum(',
    '  rate(',
    '    traefik_service_request_duration_seconds_bucket{',
    '      service=~"test-podinfo-canary-[0-9a-zA-Z-]+@kubernetescrd",',
    '      code!="404",',
    '    }[1m]',
    '  )',
    ')',
    '/',
    'sum(',
    '  rate(',
    '    traefik_service_request_duration_seconds_bucket{',
    '      service=~"test-podinfo-canary-[0-9a-zA-Z-]+@kubernetescrd",',
    '    }[1m]',
    '  )',
    ') * 100',
    '',
  ].join('\n');

  it('renders exactly', () => {
    expect(ok(query, m)).toBe(expected);
  });

  it('renders identically with trim markers next to actions that touch no whitespace', () => {
    const trimmed = query.replace(/\{\{ (\w+) \}\}/g, '{{- "" }}{{ $1 }}{{ "" -}}');
    expect(trimmed).not.toBe(query);
    expect(ok(trimmed, m)).toBe(expected);
  });

  it('is sent as one line', () => {
    expect(collapseWhitespace(ok(query, m))).toBe(
      'sum( rate( traefik_service_request_duration_seconds_bucket{ service=~"test-podinfo-canary-[0-9a-zA-Z-]+@kubernetescrd", code!="404", }[1m] ) ) / sum( rate( traefik_service_request_duration_seconds_bucket{ service=~"test-podinfo-canary-[0-9a-zA-Z-]+@kubernetescrd", }[1m] ) ) * 100 ',
    );
  });
});

describe('properties', () => {
  it('text without "{{" renders unchanged', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        fc.pre(!s.includes('{{'));
        expect(renderQuery(s, model)).toEqual({ ok: true, query: s });
      }),
      { numRuns: 300 },
    );
  });

  it('never throws, whatever the input', () => {
    const alphabet = fc.constantFrom('{{', '}}', '-', ' ', '\n', '"', '`', '(', ')', '|', '$x', ':=', '.', 'name', 'variables', 'if', 'end', 'else', 'range', '1', "'", '/*', '*/', 'printf', '%d');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 20 }), (parts) => {
        const r = renderQuery(parts.join(''), model);
        expect(typeof r.ok).toBe('boolean');
        if (!r.ok) expect(r.error).toMatch(/^template (parsing|excution) failed: template: tmpl:\d+(:\d+)?: /);
      }),
      { numRuns: 500 },
    );
  });
});
