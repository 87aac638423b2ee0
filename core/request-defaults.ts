import type { PacketSpec, TraceRequest } from './model.js';

/** TCP SYN, the default flags of a traced TCP packet. */
export const TCP_SYN = 0x02;

/** Default TTL / hop limit. */
export const DEFAULT_TTL = 64;

/** Default overall timeout in seconds (Antrea's own Traceflow default). */
export const DEFAULT_TIMEOUT_SECONDS = 20;

/** A request with the packet's defaults still to fill in. */
export type TraceRequestInput = Omit<TraceRequest, 'packet' | 'timeoutSeconds'> & {
  packet?: Partial<PacketSpec>;
  timeoutSeconds?: number;
};

/**
 * Fills in the defaults a user expects: IPv4, TCP, SYN flags for TCP, TTL 64, a 20 s timeout.
 * The result still needs {@link validateTraceRequest} (the tracer runs it).
 */
export function createTraceRequest(input: TraceRequestInput): TraceRequest {
  const protocol = input.packet?.protocol ?? 'tcp';
  const packet: PacketSpec = {
    family: input.packet?.family ?? 'ip4',
    protocol,
    ttl: input.packet?.ttl ?? DEFAULT_TTL,
    ...(input.packet?.srcPort !== undefined ? { srcPort: input.packet.srcPort } : {}),
    ...(input.packet?.dstPort !== undefined ? { dstPort: input.packet.dstPort } : {}),
    // Flags given for another protocol are kept, so validation refuses them instead of the
    // trace silently running without them.
    ...(protocol === 'tcp' ? { tcpFlags: input.packet?.tcpFlags ?? TCP_SYN } : input.packet?.tcpFlags !== undefined ? { tcpFlags: input.packet.tcpFlags } : {}),
  };
  return { ...input, packet, timeoutSeconds: input.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS };
}
