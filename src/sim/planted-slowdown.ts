// TEST-ONLY switch: SCHEDLAB_PLANTED_SLOWDOWN=N makes the engine do N units of useless arithmetic per
// event, a real slowdown on the simulator's hot path with no change to any result or event log. It exists
// so the `schedlab bench --baseline` gate can be shown to catch a slowdown; never set it otherwise.
// Read once when the module loads; unset (0) it costs one predictable branch per event.

function parseWork(text: string | undefined): number {
  if (text === undefined || text === "") return 0;
  const work = Number(text);
  if (!Number.isSafeInteger(work) || work < 0) throw new Error(`SCHEDLAB_PLANTED_SLOWDOWN: expected an integer ≥ 0, got "${text}"`);
  return work;
}

export const PLANTED_WORK_PER_EVENT = parseWork(process.env.SCHEDLAB_PLANTED_SLOWDOWN);

/** Kept in a module variable so the work cannot be optimised away. */
let plantedSink = 0;

export function doPlantedWork(): void {
  let value = plantedSink;
  for (let unit = 0; unit < PLANTED_WORK_PER_EVENT; unit += 1) value = (Math.imul(value, 31) + unit) | 0;
  plantedSink = value;
}
