/**
 * Reads a lab scenario (YAML file, YAML text or an object), validates it and fills defaults.
 * Pure apart from reading the file; nothing is started here.
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { ScenarioError } from './scenario-error.js';
import type { Scenario } from './scenario-types.js';
import { validateScenario } from './scenario-validator.js';

/** Parses YAML text into a validated scenario. `source` names the text in error messages. */
export function parseScenarioYaml(text: string, source = '<yaml>'): Scenario {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ScenarioError(source, doc.errors.map((e) => `YAML syntax: ${e.message.split('\n')[0]}`));
  }
  return normalizeScenario(doc.toJS(), source);
}

/** Reads and validates a scenario file. */
export function loadScenarioFile(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ScenarioError(path, [`cannot read the file: ${(err as Error).message}`]);
  }
  return parseScenarioYaml(text, path);
}

/** A path (YAML file) or an in-memory scenario object, validated either way. */
export function loadScenario(pathOrObject: string | Scenario): Scenario {
  return typeof pathOrObject === 'string' ? loadScenarioFile(pathOrObject) : normalizeScenario(pathOrObject, '<object>');
}

/**
 * Validates a plain value and returns a scenario with defaults filled in (flavour, OVN mode,
 * hostNetwork pod IPs, readiness, restricted-user denies). Throws {@link ScenarioError}.
 */
export function normalizeScenario(value: unknown, source = '<object>'): Scenario {
  const issues = validateScenario(value);
  if (issues.length > 0) throw new ScenarioError(source, issues);
  // Deep copy so later defaults never change the caller's object.
  const s = structuredClone(value) as Scenario;
  s.flavour ??= 'ovn-kubernetes';
  s.ovn = { mode: s.ovn?.mode ?? 'interconnect', gatewayMode: s.ovn?.gatewayMode ?? 'shared', aclExternalIds: s.ovn?.aclExternalIds ?? 'current' };
  s.namespaces ??= [];
  s.services ??= [];
  s.networkPolicies ??= [];
  s.restrictedUserDenies ??= ['create pods/exec'];
  const nodeIp = new Map(s.nodes.map((n) => [n.name, n.nodeIP]));
  for (const p of s.pods) {
    if (p.hostNetwork) p.ip = nodeIp.get(p.node);
    p.ready ??= true;
    p.labels ??= {};
  }
  return s;
}
