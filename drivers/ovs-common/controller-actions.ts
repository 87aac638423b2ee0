/**
 * OpenFlow `controller(...)` actions in an ofproto/trace, and their link to the datapath's
 * `userspace(...,controller(...,rule_cookie=C,...))` hand-offs.
 *
 * The datapath form carries no userdata; the OpenFlow action (printed by `format_CONTROLLER` in
 * lib/ofp-actions.c as `CONTROLLER:max_len` or `controller(reason=..,max_len=..,id=..,
 * userdata=hh.hh...,pause,meter_id=..)`) does. The datapath action names the OpenFlow flow that
 * executed it by cookie, so the two are joined on the table visit's cookie.
 */
import { splitTopLevel } from './balanced-text.js';
import type {
  ControllerUserdataDecoder,
  DatapathControllerAction,
  OfprotoTraceBlock,
  OpenFlowControllerAction,
} from './ofproto-trace-types.js';

const SHORT_FORM = /^CONTROLLER:(\d+)$/;

function hexBytes(text: string): number[] | undefined {
  const bytes: number[] = [];
  for (const piece of text.split('.')) {
    if (!/^[0-9a-fA-F]{1,2}$/.test(piece)) return undefined;
    bytes.push(parseInt(piece, 16));
  }
  return bytes;
}

/** Parses one OpenFlow action text; undefined when it is not a controller action. */
export function parseOpenFlowController(text: string, tableId: number, cookie?: string): OpenFlowControllerAction | undefined {
  const short = SHORT_FORM.exec(text);
  const base = { text, tableId, ...(cookie ? { cookie } : {}), pause: false };
  if (short) return { ...base, maxLength: Number(short[1]) };
  if (!text.startsWith('controller(') || !text.endsWith(')')) return undefined;
  const action: OpenFlowControllerAction = { ...base };
  for (const piece of splitTopLevel(text.slice('controller('.length, -1))) {
    const eq = piece.indexOf('=');
    const key = eq > 0 ? piece.slice(0, eq) : piece;
    const value = eq > 0 ? piece.slice(eq + 1) : '';
    if (key === 'reason') action.reason = value;
    else if (key === 'max_len') action.maxLength = Number(value);
    else if (key === 'id') action.controllerId = Number(value);
    else if (key === 'userdata') {
      const bytes = hexBytes(value);
      if (bytes) action.userdata = bytes;
    } else if (key === 'pause') action.pause = true;
    else if (key === 'meter_id') action.meterId = Number(value);
  }
  return action;
}

/** Every OpenFlow controller action in a block's table actions, in print order. */
export function openFlowControllers(block: OfprotoTraceBlock): OpenFlowControllerAction[] {
  const out: OpenFlowControllerAction[] = [];
  for (const t of block.tables) {
    for (const a of t.actions) {
      const c = parseOpenFlowController(a, t.tableId, t.cookie);
      if (c) out.push(c);
    }
  }
  return out;
}

/**
 * Joins each datapath hand-off with the OpenFlow action that emitted it (same flow cookie, in
 * order; when no cookie links them and the counts agree, in print order), and decodes its
 * userdata with `decode`. Mutates and returns `controllers`.
 */
export function linkControllers(
  controllers: DatapathControllerAction[],
  block: OfprotoTraceBlock | undefined,
  decode?: ControllerUserdataDecoder,
): DatapathControllerAction[] {
  if (!block || !controllers.length) return controllers;
  const openflow = openFlowControllers(block);
  const used = new Set<OpenFlowControllerAction>();
  const cookieOf = (c: OpenFlowControllerAction) => c.cookie ?? '0x0';
  // Hand-offs linked by an earlier call keep their action; mark its fresh twin as taken.
  for (const dp of controllers) {
    const prior = dp.openflow;
    if (!prior) continue;
    const twin = openflow.find((o) => !used.has(o) && o.tableId === prior.tableId && o.text === prior.text);
    if (twin) used.add(twin);
  }
  for (const dp of controllers) {
    if (dp.openflow || dp.ruleCookie === undefined) continue;
    const match = openflow.find((o) => !used.has(o) && cookieOf(o) === dp.ruleCookie);
    if (match) {
      dp.openflow = match;
      used.add(match);
    }
  }
  const unlinked = controllers.filter((c) => !c.openflow);
  const spare = openflow.filter((o) => !used.has(o));
  if (unlinked.length && unlinked.length === spare.length) unlinked.forEach((c, i) => (c.openflow = spare[i]));
  if (decode) {
    for (const dp of controllers) {
      if (dp.purpose || !dp.openflow?.userdata) continue;
      const purpose = decode(dp.openflow.userdata, dp.openflow);
      if (purpose) dp.purpose = purpose;
    }
  }
  return controllers;
}
