/** Runs `act` with these environment variables (undefined: unset), then puts the environment back. */
export async function withEnv<T>(
  vars: Readonly<Record<string, string | undefined>>,
  act: () => Promise<T>,
): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(vars);
  try {
    return await act();
  } finally {
    apply(saved);
  }
}
