/**
 * What an Antrea flow asks the antrea-agent to do when it sends a packet to the controller.
 *
 * Since Antrea v1.12 every `SendToController` carries userdata (pkg/agent/openflow/packetin.go):
 * byte 0 is the packet-in category (0 Traceflow, 1 NetworkPolicy, 2 DNS, 3 IGMP, 4 Service
 * reject) and, for NetworkPolicy, byte 1 the operations bitmask (0b1 logging, 0b10 reject,
 * 0b100 store the denied connection for the flow exporter). Older agents send no userdata (the
 * reason was in a register); those hand-offs are left undecoded. OVN's opcodes do not apply here.
 */
import type { ControllerPurpose, ControllerUserdataDecoder } from '../../ovs-common/index.js';

const CATEGORIES = ['traceflow', 'network-policy', 'dns', 'igmp', 'service-reject'];
const NP_LOGGING = 0b1;
const NP_REJECT = 0b10;
const NP_STORE_DENY = 0b100;

/** Decodes Antrea's packet-in userdata; undefined when there is none. */
export const decodeAntreaPacketIn: ControllerUserdataDecoder = (userdata) => {
  if (userdata.length < 1) return undefined;
  const code = userdata[0];
  const category = CATEGORIES[code] ?? `category ${code}`;
  if (category === 'network-policy') {
    const ops = userdata[1] ?? 0;
    const names = [ops & NP_LOGGING ? 'logging' : '', ops & NP_REJECT ? 'reject' : '', ops & NP_STORE_DENY ? 'store-deny' : ''].filter(Boolean);
    const purpose: ControllerPurpose = {
      encoding: 'antrea',
      name: `network-policy ${names.join('+') || 'no operation'}`,
      code,
      // Reject: the agent answers with a TCP RST / ICMP unreachable. Logging or store-deny alone:
      // the agent records the packet; its fate is what else the datapath does with it.
      effect: ops & NP_REJECT ? 'reject' : ops & (NP_LOGGING | NP_STORE_DENY) ? 'log' : 'other',
      detail: `NetworkPolicy packet-in, operations ${names.join(', ') || 'none'} (0x${ops.toString(16)})`,
    };
    if (ops & NP_STORE_DENY) purpose.logVerdict = 'deny';
    return purpose;
  }
  // A Service without ready endpoints: the agent rejects the connection.
  return { encoding: 'antrea', name: category, code, effect: category === 'service-reject' ? 'reject' : 'other' };
};
