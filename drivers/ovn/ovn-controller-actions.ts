/**
 * What OVN asks ovn-controller's pinctrl to do when a flow hands a packet to the controller.
 *
 * OVN encodes every controller action (lib/actions.c `encode_start_controller_op`) as an OpenFlow
 * `controller(userdata=...)` whose userdata starts with `struct action_header`: the opcode as a
 * 32-bit big-endian number, then 4 pad bytes. The opcodes are the `enum action_opcode` of
 * include/ovn/actions.h, an append-only list whose order is the wire format between ovn-controller
 * and its own flows (same order in v20.06 through main; v23.03, the lab's release, ends at
 * ACTIVATION_STRATEGY_RARP). A `log` (ACL logging) is followed by `struct log_pin_header`:
 * verdict, severity, then the ACL name (lib/acl-log.h).
 */
import type { ControllerPurpose, ControllerUserdataDecoder } from '../ovs-common/index.js';

/** `enum action_opcode`, in order (index = opcode). */
export const OVN_ACTION_OPCODES: readonly string[] = [
  'arp', 'put_arp', 'put_dhcp_opts', 'nd_na', 'put_nd', 'put_dhcpv6_opts', 'dns_lookup', 'log', 'put_nd_ra_opts',
  'nd_ns', 'icmp', 'tcp_reset', 'nd_na_router', 'put_icmp4_frag_mtu', 'icmp4_error', 'event', 'igmp', 'bind_vport',
  'handle_svc_check', 'dhcp6_server', 'icmp6_error', 'put_icmp6_frag_mtu', 'reject', 'bfd_msg', 'sctp_abort',
  'put_fdb', 'activation_strategy_rarp', 'split_buf_action', 'dhcp_relay_req_chk', 'dhcp_relay_resp_chk',
  'put_icmp4_inner_ip4_src',
];

/**
 * Opcodes whose pinctrl handler answers the packet instead of delivering it: `reject` (TCP RST,
 * ICMP unreachable or SCTP ABORT, what a reject ACL uses), the older per-protocol `tcp_reset`,
 * `icmp` (icmp4/icmp6 actions) and `sctp_abort`, and the ICMP errors (`icmp4_error`,
 * `icmp6_error`: TTL exceeded, fragmentation needed).
 */
const ANSWERING = new Set(['reject', 'tcp_reset', 'icmp', 'sctp_abort', 'icmp4_error', 'icmp6_error']);

/** `enum log_verdict` (LOG_VERDICT_UNKNOWN is 255). */
const LOG_VERDICTS = ['allow', 'drop', 'reject', 'pass'];
/** RFC 5424 severities as lib/acl-log.c names them. */
const LOG_SEVERITIES = ['emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'info', 'debug'];

/** Decodes OVN's controller userdata; undefined when it is too short to hold an action header. */
export const decodeOvnControllerUserdata: ControllerUserdataDecoder = (userdata) => {
  if (userdata.length < 8) return undefined;
  const code = ((userdata[0] << 24) | (userdata[1] << 16) | (userdata[2] << 8) | userdata[3]) >>> 0;
  const name = OVN_ACTION_OPCODES[code] ?? `opcode ${code}`;
  const purpose: ControllerPurpose = {
    encoding: 'ovn',
    name,
    code,
    effect: name === 'log' ? 'log' : ANSWERING.has(name) ? 'reject' : 'other',
  };
  if (name === 'log' && userdata.length >= 10) {
    purpose.logVerdict = LOG_VERDICTS[userdata[8]] ?? (userdata[8] === 255 ? 'unknown' : `verdict ${userdata[8]}`);
    const severity = LOG_SEVERITIES[userdata[9]] ?? `severity ${userdata[9]}`;
    const ruleName = String.fromCharCode(...userdata.slice(10));
    if (ruleName) purpose.ruleName = ruleName;
    purpose.detail = `ACL log, verdict ${purpose.logVerdict}, severity ${severity}${ruleName ? `, name "${ruleName}"` : ''}`;
  }
  return purpose;
};
