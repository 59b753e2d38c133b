/**
 * The three-engine Swarm lab the Swarm scenario runs on (test/helpers/swarm-lab.ts): every node a
 * dockerd in its own network namespace, the Swarm formed over a bridge in a namespace of its own,
 * overlay networking between the nodes, ports published on a node reached from another node's
 * namespace, placement by node labels, a node's power cut seen by the manager, and a teardown that
 * leaves no namespace, cgroup or directory behind.
 */
import { existsSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBaseImage, BASE_TEST_IMAGE } from '../helpers/docker.ts';
import { listCgroups, listNetns } from '../helpers/lab-host.ts';
import { startSwarmLab, type LabNode, type SwarmLab } from '../helpers/swarm-lab.ts';
import { eventually } from '../helpers/worker-process.ts';

let lab: SwarmLab;

beforeAll(async () => {
  await ensureBaseImage();
  const started = performance.now();
  lab = await startSwarmLab({ nodes: 3, images: [BASE_TEST_IMAGE] });
  console.log(`swarm lab of 3 engines up in ${((performance.now() - started) / 1000).toFixed(1)} s`, lab.timings);
});

afterAll(async () => {
  await lab?.teardown();
});

/** A tiny TCP server (perl is in the base image) that answers with its container's host name. */
function echoServer(port: number): string[] {
  return ['--entrypoint', 'perl', BASE_TEST_IMAGE, '-MIO::Socket::INET', '-e',
    `$s=IO::Socket::INET->new(LocalPort=>${port},Listen=>5,ReuseAddr=>1) or die; while($c=$s->accept){print $c "$ENV{HOSTNAME}\\n"; close $c}`];
}

async function runningTasks(service: string): Promise<{ node: string; container: string }[]> {
  const out = await lab.docker(lab.manager, ['service', 'ps', service, '--filter', 'desired-state=running', '--format', '{{.Node}} {{.CurrentState}}']);
  return out.split('\n').filter((l) => l.includes('Running')).map((l) => ({ node: l.split(' ')[0]!, container: '' }));
}

/** The first line a TCP server on 127.0.0.1:port sends. */
async function readLine(port: number): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  let text = '';
  for await (const chunk of socket) text += String(chunk);
  if (!text.includes('\n')) throw new Error('no line');
  return text;
}

async function hostnameOf(node: LabNode): Promise<string> {
  return (await lab.docker(node, ['info', '--format', '{{.Name}}'])).trim();
}

describe('a Swarm of three engines in namespaces of its own', () => {
  it('has three ready nodes, each with its own host name and engine', async () => {
    const out = await lab.docker(lab.manager, ['node', 'ls', '--format', '{{.Hostname}} {{.Status}} {{.Availability}}']);
    const rows = out.trim().split('\n').sort();
    expect(rows).toEqual(lab.nodes.map((n) => `${n.hostname} Ready Active`).sort());
    const ids = await Promise.all(lab.nodes.map((n) => lab.docker(n, ['info', '--format', '{{.ID}}'])));
    expect(new Set(ids).size).toBe(3);
  });

  it('carries overlay traffic between nodes and serves a host-published port to another node', async () => {
    await lab.docker(lab.manager, ['network', 'create', '-d', 'overlay', '--attachable', 'labnet']);
    await lab.docker(lab.manager, ['service', 'create', '-d', '--name', 'echo', '--mode', 'global', '--network', 'labnet', '--endpoint-mode', 'dnsrr',
      '--publish', 'mode=host,target=8000,published=8080', ...echoServer(8000)]);
    await eventually('an echo task on every node', async () => ((await runningTasks('echo')).length === 3 ? true : undefined), 90_000, 500);

    // From node 3's namespace to the port node 1 publishes.
    const [n1, , n3] = lab.nodes as [LabNode, LabNode, LabNode];
    const relay = await lab.forward(n3, 8080, n1.address);
    const reply = await eventually('node 1 answers node 3', () => readLine(relay.port).catch(() => undefined), 20_000, 500);
    await relay.close();
    const n1Containers = (await lab.docker(n1, ['ps', '-q', '--filter', 'name=echo'])).trim();
    expect(n1Containers.startsWith(reply.trim())).toBe(true);

    // A container on node 2 reaches the echo task of every node over the overlay by DNS.
    const script = 'for $a (`getent ahostsv4 tasks.echo` =~ /^(\\S+)\\s+STREAM/mg) { $c=IO::Socket::INET->new(PeerAddr=>$a,PeerPort=>8000,Timeout=>3) or die "$a: $@"; print scalar(<$c>) }';
    const seen = await lab.docker(lab.nodes[1]!, ['run', '--rm', '--network', 'labnet', '--entrypoint', 'perl', BASE_TEST_IMAGE, '-MIO::Socket::INET', '-e', script]);
    const all = await Promise.all(lab.nodes.map((n) => lab.docker(n, ['ps', '-q', '--filter', 'name=echo'])));
    expect(seen.trim().split('\n').sort()).toEqual(all.map((id) => id.trim().slice(0, 12)).sort());
  });

  it('places a constrained service only on the nodes of its region', async () => {
    const [n1, n2, n3] = lab.nodes as [LabNode, LabNode, LabNode];
    await lab.labelNode(n1, { region: 'eu-west' });
    await lab.labelNode(n2, { region: 'eu-west' });
    await lab.labelNode(n3, { region: 'us-east' });
    await lab.docker(lab.manager, ['service', 'create', '-d', '--name', 'east', '--replicas', '3', '--constraint', 'node.labels.region==us-east', ...echoServer(8001)]);
    const tasks = await eventually('three east tasks', async () => {
      const t = await runningTasks('east');
      return t.length === 3 ? t : undefined;
    }, 90_000, 500);
    expect(new Set(tasks.map((t) => t.node))).toEqual(new Set([await hostnameOf(n3)]));
  });

  it('sees a node that loses power as down, and ready again when its engine restarts', async () => {
    const n2 = lab.nodes[1]!;
    await lab.powerCut(n2);
    const status = async () => (await lab.docker(lab.manager, ['node', 'inspect', n2.swarmId, '--format', '{{.Status.State}}'])).trim();
    await eventually('node 2 down', async () => ((await status()) === 'down' ? true : undefined), 60_000, 500);
    await lab.restartEngine(n2);
    await eventually('node 2 ready', async () => ((await status()) === 'ready' ? true : undefined), 60_000, 500);
  });

  it('joins a fresh node that then runs global services', async () => {
    const fresh = await lab.addNode();
    await eventually('an echo task on the fresh node', async () => {
      const out = await lab.docker(fresh, ['ps', '-q', '--filter', 'name=echo']);
      return out.trim() ? true : undefined;
    }, 90_000, 500);
  });

  it('tears down to nothing: no namespace, cgroup or directory of the lab is left', async () => {
    const { id, dir } = lab;
    await lab.teardown();
    expect((await listNetns()).filter((n) => n.includes(id))).toEqual([]);
    expect(await listCgroups(`dhlab-${id}-`)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  });
});
