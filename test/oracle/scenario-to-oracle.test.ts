/**
 * The scenario read as API objects: namespaces get their name label, Service named targetPorts
 * resolve per backend pod (Service API: "a named port ... looked up in each backend Pod"), pods
 * without the name are no endpoint of that port.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Scenario } from '../../lab/scenario/scenario-types.js';
import { namespaceLabels } from './netpol-evaluator.js';
import { scenarioToOracleCluster, serviceBackends } from './scenario-to-oracle.js';

const scenario: Scenario = {
  name: 's',
  nodes: [{ name: 'n', podSubnet: '10.244.1.0/24', nodeIP: '172.18.0.2' }],
  namespaces: [{ name: 'a', labels: { team: 'x' } }],
  pods: [
    { name: 'w1', namespace: 'a', node: 'n', labels: { app: 'w' }, ip: '10.244.1.10', ports: [{ name: 'http', containerPort: 8080 }] },
    { name: 'w2', namespace: 'a', node: 'n', labels: { app: 'w' }, ip: '10.244.1.11', ipv6: 'fd00::b', ports: [{ name: 'http', containerPort: 8081 }] },
    { name: 'w3', namespace: 'a', node: 'n', labels: { app: 'w' }, ip: '10.244.1.12' },
    { name: 'w4', namespace: 'a', node: 'n', labels: { app: 'w' }, ip: '10.244.1.13', ready: false, ports: [{ name: 'http', containerPort: 8080 }] },
  ],
  services: [{ name: 'w', namespace: 'a', clusterIP: '10.96.0.1', selector: { app: 'w' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'num', port: 81, targetPort: 9000 }] }],
};

test('named targetPort per backend; numeric for all ready backends; not-ready pods are no endpoints', () => {
  const c = scenarioToOracleCluster(scenario);
  const svc = scenario.services![0]!;
  assert.equal(serviceBackends(c, svc, 80, 'TCP', scenario).map((b) => `${b.pod.name}:${b.port}`), ['w1:8080', 'w2:8081']);
  assert.equal(serviceBackends(c, svc, 81, 'TCP', scenario).map((b) => `${b.pod.name}:${b.port}`), ['w1:9000', 'w2:9000', 'w3:9000']);
  assert.equal(serviceBackends(c, svc, 80, 'UDP', scenario), []);
  assert.equal(c.pods[1]!.ips, ['10.244.1.11', 'fd00::b']);
  assert.equal(namespaceLabels(c, 'a'), { team: 'x', 'kubernetes.io/metadata.name': 'a' });
  assert.equal(namespaceLabels(c, 'default'), { 'kubernetes.io/metadata.name': 'default' });
});

test.run();
