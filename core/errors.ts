/**
 * Error classes of cni-trace. Each has a stable `code` (for scripts and the library) and an
 * `exitCode` the CLI uses: 2 for bad usage or input, 3 for runtime failures. Messages say what to
 * do next.
 */

/** Base class of every error cni-trace raises on purpose. */
export class CniTraceError extends Error {
  /** Stable machine-readable code. */
  readonly code: string;
  /** CLI exit code: 2 usage/input, 3 runtime. */
  readonly exitCode: 2 | 3;

  constructor(code: string, message: string, exitCode: 2 | 3, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** A request argument is invalid. Raised before anything is created in the cluster. */
export class InvalidArgumentError extends CniTraceError {
  /** The offending argument, as the user spelled it in the canonical CLI form (e.g. `dst-port`). */
  readonly argument: string;

  constructor(argument: string, message: string) {
    super('INVALID_ARGUMENT', `invalid --${argument}: ${message}`, 2);
    this.argument = argument;
  }
}

/** A Kubernetes object named by the user does not exist. */
export class NotFoundError extends CniTraceError {
  readonly kind: string;
  readonly namespace?: string;
  readonly objectName: string;

  constructor(kind: string, name: string, namespace?: string, hint?: string) {
    const where = namespace ? `${kind} ${namespace}/${name}` : `${kind} ${name}`;
    super('NOT_FOUND', `${where} not found${hint ? `: ${hint}` : ''}`, 2);
    this.kind = kind;
    this.namespace = namespace;
    this.objectName = name;
  }
}

/** The Kubernetes API refused a request for lack of permission. */
export class ForbiddenError extends CniTraceError {
  readonly verb: string;
  readonly resource: string;

  constructor(verb: string, resource: string, namespace: string | undefined, serverMessage?: string) {
    const scope = namespace ? ` in namespace "${namespace}"` : '';
    super(
      'FORBIDDEN',
      `permission denied: cannot ${verb} ${resource}${scope}. Ask a cluster admin for RBAC "${verb}" on "${resource}"` +
        (serverMessage ? ` (API server: ${serverMessage})` : ''),
      3,
    );
    this.verb = verb;
    this.resource = resource;
  }
}

/** The Kubernetes API could not be reached or answered with an unexpected error. */
export class ClusterError extends CniTraceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CLUSTER_ERROR', message, 3, options);
  }
}

/** No usable kubeconfig, or a named context is missing. */
export class KubeconfigError extends CniTraceError {
  constructor(message: string) {
    super('KUBECONFIG', message, 3);
  }
}

/** A command-line tool is not installed where it was to run. */
export class ToolMissingError extends CniTraceError {
  readonly tool: string;

  constructor(tool: string, where: string) {
    super('TOOL_MISSING', `"${tool}" is not available on ${where}; install it there or use a driver option that skips it`, 3);
    this.tool = tool;
  }
}

/** A command or the whole trace did not finish in time. */
export class TraceTimeoutError extends CniTraceError {
  constructor(what: string, seconds: number) {
    super('TIMEOUT', `${what} did not finish within ${seconds}s; raise --timeout (the whole run may take it plus 20s) or check that the cluster is healthy`, 3);
  }
}

/** A command could not be run (transport failure, bad container, ...). */
export class CommandError extends CniTraceError {
  readonly target: string;
  readonly argv: string[];
  /** The command ran and ended (a status came back), as opposed to a transport failure. */
  readonly exited: boolean;

  constructor(target: string, argv: string[], message: string, options?: { cause?: unknown; exited?: boolean }) {
    super('COMMAND_FAILED', `${target}: running "${argv.join(' ')}" failed: ${message}`, 3, options);
    this.target = target;
    this.argv = argv;
    this.exited = options?.exited === true;
  }
}

/** The work was cancelled (unsubscribe, Ctrl-C). */
export class CancelledError extends CniTraceError {
  constructor(what = 'trace') {
    super('CANCELLED', `${what} was cancelled`, 3);
  }
}

/** CNI detection found no driver, several, or the requested one is not registered. */
export class DriverSelectionError extends CniTraceError {
  constructor(message: string, exitCode: 2 | 3 = 3) {
    super('DRIVER_SELECTION', message, exitCode);
  }
}

/** Where a value read from the cluster came from: the object and the field or annotation. */
export interface ClusterValueOrigin {
  /** Kubernetes kind in words (`pod`, `node`, `service`, `endpointslice`, `traceflow`). */
  kind: string;
  namespace?: string;
  name: string;
  /** The field or annotation, as a user would look it up (`annotation k8s.ovn.org/pod-networks`, `status.podIPs`). */
  field: string;
}

/** A value shown in a message: a string JSON-quoted (control characters visible), anything else as JSON; cut to a readable length. */
export function quoteValue(value: unknown): string {
  const cut = (text: string) => (text.length > 80 ? `${text.slice(0, 77)}...` : text);
  if (typeof value === 'string') return JSON.stringify(cut(value));
  // Numbers, objects, null: their JSON text, unquoted, so 70000 reads as a number.
  return cut(JSON.stringify(value) ?? String(value));
}

/**
 * A value read from a Kubernetes object (an annotation the CNI wrote, a status field) is not what
 * it must be (a MAC, an IP, an OVN name) and would otherwise be spliced into a tool's expression.
 * The trace is refused before any tool runs; the message names the object, the field and the value.
 * Exit 3: the command line was right, the cluster's data is not.
 */
export class ClusterDataError extends CniTraceError {
  readonly origin: ClusterValueOrigin;
  readonly value: unknown;

  constructor(origin: ClusterValueOrigin, value: unknown, expected: string) {
    const object = `${origin.kind} ${origin.namespace ? `${origin.namespace}/` : ''}${origin.name}`;
    super(
      'INVALID_CLUSTER_DATA',
      `${object}: ${origin.field} holds ${quoteValue(value)}, which is not ${expected}; the trace was not started. ` +
        `Check the object ("kubectl get ${origin.kind} ${origin.namespace ? `-n ${origin.namespace} ` : ''}${origin.name} -o yaml"); the CNI writes this value, so look at its controller's logs`,
      3,
    );
    this.origin = origin;
    this.value = value;
  }
}

/**
 * A TLS handshake with the API server failed: unknown or self-signed CA, expired or not yet valid
 * certificate, wrong host name. The message names the server and what to check.
 */
export class TlsError extends CniTraceError {
  /** The server URL (or host:port) the handshake was with. */
  readonly server: string;
  /** Node's TLS error code (`SELF_SIGNED_CERT_IN_CHAIN`, `CERT_HAS_EXPIRED`, `ERR_TLS_CERT_ALTNAME_INVALID`, ...). */
  readonly tlsCode: string;

  constructor(server: string, tlsCode: string, message: string, options?: { cause?: unknown }) {
    super('TLS_ERROR', message, 3, options);
    this.server = server;
    this.tlsCode = tlsCode;
  }
}

/** Turns anything thrown into a {@link CniTraceError} (unknown errors become runtime errors). */
export function toCniTraceError(err: unknown): CniTraceError {
  if (err instanceof CniTraceError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new CniTraceError('INTERNAL', message, 3, { cause: err });
}
