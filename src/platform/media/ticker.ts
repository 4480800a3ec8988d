// One timer for all the once-a-second chores of a node's camera ingests (health, stall watchdogs):
// with hundreds of cameras, one wake-up a second instead of two per camera. A chore that throws is
// reported and stays registered; the others still run.

const chores = new Set<() => void>();
let timer: NodeJS.Timeout | undefined;

function runChores(): void {
  for (const chore of [...chores]) {
    try {
      chore();
    } catch (err) {
      process.emitWarning(`a once-a-second chore failed: ${(err as Error).message}`);
    }
  }
}

/** Runs `chore` about once a second until the returned function is called. */
export function everySecond(chore: () => void): () => void {
  chores.add(chore);
  timer ??= setInterval(runChores, 1000);
  return () => {
    chores.delete(chore);
    if (!chores.size && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}
