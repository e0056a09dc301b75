/**
 * Programs that both the in-memory driver's tests (src/lang/vm) and the durable engine's (test/wf) run, so that
 * the two are held to the same semantics by the same text.
 */

/** Takes lock `res` `r`, says so with an event, holds it `hold` seconds. */
export const LOCK_WORKER_WF = `
workflow worker:
  in:
    name string
    hold number
  locks:
    res _ manual
  do:
    lock res 'r'
    raise_event: event = object(kind: 'got', name: a.name)
    sleep a.hold
    unlock res 'r'
`;

/** Three `worker`s (LOCK_WORKER_WF) wait for one lock; the order they got it, from their events. */
export const LOCK_FIFO_WF = `
workflow main:
  out:
    order array
  wfomap:
    order = v.order
  do:
    subscribe: name = 'got', mask = object(kind: 'got')
    split:
      callflow worker:
        name = 'a'
        hold = 10
      callflow worker:
        name = 'b'
        hold = 1
      callflow worker:
        name = 'c'
        hold = 1
    eval:
      order = array()
    repeat:
      wait_for_event: events = array('got'), timeout = 1
      into:
        order ,= o.event.event.name
    until length(v.order) == 3
`;

/** Two children take two locks in opposite order (DEADLOCK_SOURCES): the one that would close the cycle fails. */
export const DEADLOCK_MAIN_WF = `
workflow main:
  out:
    failed string
  wfomap:
    failed = v.failed
  do:
    try:
      split:
        callflow wa:
        callflow wb:
      eval:
        failed = 'nobody'
    catch:
      eval:
        failed = e._error.workflow . ': ' . e._error.child.class
`;

/** Calls `add` with `x` (step 1): `{y: x + 1}`. */
export const INC_WF = `
workflow inc:
  in:
    x number
  out:
    y number
  wfomap:
    y = v.y
  do:
    call add:
      counter = a.x
    into:
      y = o.counter
`;

/** `split` over two calls of `inc`, outputs mapped in source order: `{r: "a11 b21"}`. */
export const SPLIT_PAR_WF = `
workflow par:
  out:
    r string
  wfomap:
    <r>
  do:
    split:
      callflow inc:
        x = 10
      into:
        r = 'a' . o.y
      callflow inc:
        x = 20
      into:
        r .= ' b' . o.y
`;

/** A workflow around the `add` action, for `map ... using`. */
export const CALLADD_WF = `
workflow calladd:
  in:
    input number
    step number
  out:
    output number
  wfomap:
    output = v.out
  do:
    call add:
      counter = a.input
      step = a.step
    into:
      out = o.counter
`;

const lock2 = (first: string, second: string): string =>
  `workflow w${first}:\n  locks:\n    l _ manual\n  do:\n    lock l '${first}'\n    sleep 1\n    lock l '${second}'\n`;

/** The deadlock program and its two children. */
export const DEADLOCK_SOURCES: Record<string, string> = { 'wa.wf': lock2('a', 'b'), 'wb.wf': lock2('b', 'a'), 'main.wf': DEADLOCK_MAIN_WF };

/** An action with retries (3 tries, 5 s apart) and a 10 s timeout. */
export const FLAKY_AC = `
action flaky:
  in:
    n number
  out:
    n number
  config:
    retry = object(tries: 3, interval: '5s')
    timeout = 10
`;

/** Workflow `c`: runs `call` (statements, one per line) in a try and outputs the class and message it raised. */
export function catcherWf(call: string): string {
  const body = call.split('\n').map((l) => `      ${l}`).join('\n');
  return `workflow c:
  out:
    cls string
    msg string
  wfomap:
    cls = v.cls
    msg = v.msg
  do:
    try:
${body}
      eval:
        cls = 'none'
        msg = ''
    catch:
      eval:
        cls = e._error.class
        msg = e._error.msg
`;
}
