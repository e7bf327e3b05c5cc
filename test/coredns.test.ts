import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { CHARTS } from '../charts';
import { COREDNS_ADDON_VALUES_FILE, CorednsChart, corefile } from '../charts/coredns';
import { ARTIFACTS } from '../lib/artifacts/artifacts';
import { buildSite } from '../lib/pipeline/pipeline';
import { loadSite, type Site } from '../lib/site/site';
import { SUPPORTED_KUBERNETES_VERSIONS } from '../lib/core/versions';
import { atVersion, findingsOf } from './fixtures/registry/sites';
import { siteVariantFile } from './helpers/site-variant';
import { setUp } from './helpers/set-up';

let example!: ReturnType<typeof loadSite>;
setUp(() => {
  example = loadSite('sites/example.yaml');
});

function synth(site: Site) {
  return Testing.synth(new CorednsChart(Testing.app(), 'coredns', { site }));
}

/** The lines of one server block, without indentation. */
function block(text: string, header: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(header);
  expect(start, `server block ${header}`).toBeGreaterThanOrEqual(0);
  const end = lines.indexOf('}', start);
  return lines.slice(start + 1, end).map((l) => l.trim());
}

describe('CoreDNS chart', () => {
  it('renders the kube-system/coredns ConfigMap of the example site', () => {
    expect(synth(example)).toMatchSnapshot();
  });

  it('is the ConfigMap EKS creates: same name, namespace and labels, only the Corefile', () => {
    const [cm] = synth(example);
    expect(cm).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'coredns', namespace: 'kube-system', labels: { 'eks.amazonaws.com/component': 'coredns', 'k8s-app': 'kube-dns' } } });
    expect(Object.keys(cm.data)).toEqual(['Corefile']);
  });

  it("keeps EKS's default .:53 block plugin for plugin and adds the registry hosts entry with fallthrough", () => {
    expect(block(corefile(example.config), '.:53 {')).toEqual([
      'errors',
      'health {',
      'lameduck 5s',
      '}',
      'ready',
      'kubernetes cluster.local in-addr.arpa ip6.arpa {',
      'pods insecure',
      'fallthrough in-addr.arpa ip6.arpa',
      '}',
      'hosts {',
      '192.168.1.100 harbor.yourdomain.com',
      'fallthrough',
      '}',
      'prometheus :9153',
      'forward . /etc/resolv.conf',
      'cache 30',
      'loop',
      'reload',
      'loadbalance',
    ]);
  });

  it('forwards each on-prem stub zone to its servers in a server block of its own', () => {
    expect(block(corefile(example.config), 'company.local:53 {')).toEqual(['errors', 'cache 30', 'forward . 192.168.1.53 192.168.1.54', 'reload']);
  });

  it('adds the extra hosts entries of the config', () => {
    const site = loadSite(siteVariantFile({ dns: { hosts: [{ ip: '192.168.1.20', names: ['gitlab.yourdomain.com', 'git.yourdomain.com'] }] } }));
    const root = block(corefile(site.config), '.:53 {');
    expect(root.slice(root.indexOf('hosts {'), root.indexOf('fallthrough') + 1)).toEqual([
      'hosts {',
      '192.168.1.100 harbor.yourdomain.com',
      '192.168.1.20 gitlab.yourdomain.com',
      '192.168.1.20 git.yourdomain.com',
      'fallthrough',
    ]);
  });

  it('puts a name inside a stub zone into that zone\'s block, the one CoreDNS answers it from', () => {
    const site = loadSite(siteVariantFile({ registry: { hostname: 'harbor.company.local' } }));
    const text = corefile(site.config);
    expect(block(text, '.:53 {')).not.toContain('hosts {');
    expect(block(text, 'company.local:53 {')).toEqual(['errors', 'hosts {', '192.168.1.100 harbor.company.local', 'fallthrough', '}', 'cache 30', 'forward . 192.168.1.53 192.168.1.54', 'reload']);
  });

  it.each([
    ['listed wide first', ['company.local', 'dc1.company.local']],
    ['listed narrow first', ['dc1.company.local', 'company.local']],
  ])('with nested stub zones (%s), each name goes into the most specific zone that contains it', (_, zones) => {
    const site = loadSite(
      siteVariantFile({
        dns: {
          stubZones: zones.map((zone, i) => ({ zone, servers: [`192.168.1.${53 + i}`] })),
          hosts: [{ ip: '192.168.1.30', names: ['wiki.company.local', 'ci.dc1.company.local', 'company.local', 'dc1.company.local.example.org'] }],
        },
      }),
    );
    const text = corefile(site.config);
    const hostsOf = (header: string) => {
      const lines = block(text, header);
      return lines.includes('hosts {') ? lines.slice(lines.indexOf('hosts {') + 1, lines.indexOf('fallthrough')) : [];
    };
    expect(hostsOf('dc1.company.local:53 {')).toEqual(['192.168.1.30 ci.dc1.company.local']);
    // the zone's own name is in the zone
    expect(hostsOf('company.local:53 {')).toEqual(['192.168.1.30 wiki.company.local', '192.168.1.30 company.local']);
    // a name that only contains a zone's name, not ending in it, stays in the root block
    expect(hostsOf('.:53 {')).toEqual(['192.168.1.100 harbor.yourdomain.com', '192.168.1.30 dc1.company.local.example.org']);
  });

  it('writes a name listed twice (here the registry name again, same address) once', () => {
    const site = loadSite(siteVariantFile({ dns: { hosts: [{ ip: '192.168.1.100', names: ['harbor.yourdomain.com', 'registry.yourdomain.com'] }] } }));
    const root = block(corefile(site.config), '.:53 {');
    expect(root.slice(root.indexOf('hosts {') + 1, root.indexOf('fallthrough'))).toEqual(['192.168.1.100 harbor.yourdomain.com', '192.168.1.100 registry.yourdomain.com']);
  });

  it('writes the same Corefile as EKS add-on configuration values beside the manifests', () => {
    const build = buildSite('sites/example.yaml', { charts: CHARTS, artifacts: ARTIFACTS });
    const values = build.output.find((f) => f.path === COREDNS_ADDON_VALUES_FILE)!;
    expect(JSON.parse(values.content)).toEqual({ corefile: synth(example)[0].data.Corefile });
  });

  it('with the EKS add-on, renders no ConfigMap (the add-on would overwrite it) but still the values file', () => {
    const file = siteVariantFile({ coredns: { managedBy: 'eksAddon' } });
    const build = buildSite(file, { charts: CHARTS, artifacts: ARTIFACTS });
    expect(build.result.files.map((f) => f.path)).not.toContain('never-pruned/10-coredns.yaml');
    expect(JSON.parse(build.output.find((f) => f.path === COREDNS_ADDON_VALUES_FILE)!.content).corefile).toBe(corefile(build.site.config));
  });

  it('can be switched off', () => {
    const build = buildSite(siteVariantFile({ coredns: { enabled: false } }), { charts: CHARTS, artifacts: ARTIFACTS });
    expect(build.result.files.map((f) => f.path)).not.toContain('never-pruned/10-coredns.yaml');
    expect(build.output.map((f) => f.path)).not.toContain(COREDNS_ADDON_VALUES_FILE);
  });

  it('refuses stub zones that would break cluster DNS, duplicates, and names with two addresses', () => {
    const file = siteVariantFile({
      dns: {
        stubZones: [
          { zone: 'company.local', servers: ['192.168.1.53'] },
          { zone: 'cluster.local', servers: ['192.168.1.53'] },
          { zone: 'company.local', servers: ['192.168.1.54'] },
        ],
        hosts: [{ ip: '192.168.1.7', names: ['harbor.yourdomain.com'] }],
      },
    });
    expect(() => loadSite(file)).toThrow(
      [
        `${file}: dns.hosts[0].names[0]: resolves to 192.168.1.7 here but to 192.168.1.100 in registry.hostname (got "harbor.yourdomain.com")`,
        `${file}: dns.stubZones[1].zone: is served by the CoreDNS kubernetes plugin; forwarding it on-prem would break in-cluster service discovery (got "cluster.local")`,
        `${file}: dns.stubZones[2].zone: duplicate stub zone; dns.stubZones[0] forwards it already (got "company.local")`,
      ].join('\n'),
    );
  });

  it.each(SUPPORTED_KUBERNETES_VERSIONS)('passes strict validation for Kubernetes %s', (version) => {
    expect(findingsOf(atVersion(example, version), ['coredns'])).toEqual([]);
  });
});

describe('CoreDNS hosts entries with nested stub zones (issue 21)', () => {
  it.each([
    ['less specific zone listed first', ['company.local', 'lab.company.local']],
    ['more specific zone listed first', ['lab.company.local', 'company.local']],
  ])('puts a name into the most specific stub zone that contains it (%s)', (_, zones) => {
    const servers: Record<string, string> = { 'company.local': '192.168.1.53', 'lab.company.local': '10.0.0.53' };
    const site = loadSite(
      siteVariantFile({
        dns: {
          stubZones: zones.map((zone) => ({ zone, servers: [servers[zone]] })),
          hosts: [{ ip: '10.0.0.7', names: ['gpu.lab.company.local', 'wiki.company.local'] }],
        },
      }),
    );
    const text = corefile(site.config);
    expect(block(text, 'lab.company.local:53 {')).toEqual(['errors', 'hosts {', '10.0.0.7 gpu.lab.company.local', 'fallthrough', '}', 'cache 30', 'forward . 10.0.0.53', 'reload']);
    expect(block(text, 'company.local:53 {')).toEqual(['errors', 'hosts {', '10.0.0.7 wiki.company.local', 'fallthrough', '}', 'cache 30', 'forward . 192.168.1.53', 'reload']);
    expect(block(text, '.:53 {')).not.toContain('10.0.0.7 gpu.lab.company.local');
  });
});
