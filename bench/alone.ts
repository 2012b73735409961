import { writeFileSync } from "node:fs";

/** A section of `npm run bench` run on its own: its text, headed by when and how, printed and kept under bench/results/. */
export function writeSectionAlone(script: string, file: string, lines: string[]): void {
  const text = [`${new Date().toISOString()}, \`npm run ${script}\` (the section of \`npm run bench\` alone).`, "", ...lines].join("\n");
  console.log(text);
  writeFileSync(file, text);
}

/** Exits when the section is done: open handles (pools, servers) must not keep the process alive. */
export function runAlone(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
