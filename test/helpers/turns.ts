/** Runs `work` and counts the event loop's turns meanwhile (a ticker re-armed with setImmediate): a loop held by synchronous work counts few. */
export async function turnsDuring<T>(work: () => Promise<T>): Promise<{ result: T; turns: number }> {
  let turns = 0;
  let running = true;
  const ticker = () => {
    turns++;
    if (running) setImmediate(ticker);
  };
  setImmediate(ticker);
  try {
    return { result: await work(), turns };
  } finally {
    running = false;
  }
}
