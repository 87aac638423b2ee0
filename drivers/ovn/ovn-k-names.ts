/**
 * OVN-Kubernetes naming conventions (go-controller/pkg/types/const.go), in one place.
 */

/** Logical switch port of a pod: `<namespace>_<pod>`. */
export function podLogicalPort(namespace: string, pod: string): string {
  return `${namespace}_${pod}`;
}

/** Router-to-switch port of a node on ovn_cluster_router. */
export function rtosPort(node: string): string {
  return `rtos-${node}`;
}

/** Router-to-transit-switch port of a node (interconnect). */
export function rtotsPort(node: string): string {
  return `rtots-${node}`;
}

/** Transit-switch port towards a node's router (interconnect). */
export function tstorPort(node: string): string {
  return `tstor-${node}`;
}

/** Management logical switch port of a node. */
export function mgmtLogicalPort(node: string): string {
  return `k8s-${node}`;
}

/** OVS interface of the management port. */
export const MGMT_OVS_INTERFACE = 'ovn-k8s-mp0';

/** The integration bridge. */
export const INTEGRATION_BRIDGE = 'br-int';

/** Where an ovnkube-node container sees its zone's databases and OVS. */
export const CONTAINER_PATHS = {
  nbSocket: 'unix:/var/run/ovn/ovnnb_db.sock',
  sbSocket: 'unix:/var/run/ovn/ovnsb_db.sock',
  ovsDbSocket: 'unix:/var/run/openvswitch/db.sock',
} as const;

/** Label of the ovnkube-node pods. */
export const OVNKUBE_NODE_LABEL = 'app=ovnkube-node';

/** Node annotation holding the interconnect zone. */
export const ZONE_ANNOTATION = 'k8s.ovn.org/zone-name';

/** Pod annotation holding the pod's OVN networks. */
export const POD_NETWORKS_ANNOTATION = 'k8s.ovn.org/pod-networks';

/** OVN-K MACs are `0a:58:` followed by the IPv4 address bytes. */
export function macFromIPv4(ip: string): string {
  return ['0a', '58', ...ip.split('.').map((b) => Number(b).toString(16).padStart(2, '0'))].join(':');
}

/**
 * ovn-kubernetes `util.HashForOVN`: `"a"` + the decimal FNV-1a 64-bit hash of the string (port
 * group and address set names).
 */
export function hashForOvn(s: string): string {
  let h = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(s, 'utf8')) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return `a${h.toString()}`;
}
