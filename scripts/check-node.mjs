// Plain JavaScript on purpose: it must run, and explain, on whatever Node.js is installed.
// npm install, npm run dev and npm test call it first (preinstall, predev, pretest).
import { readFileSync } from "node:fs";

const wanted = Number(readFileSync(new URL("../.nvmrc", import.meta.url), "utf8").trim());
const major = Number(process.versions.node.split(".")[0]);
if (major < wanted) {
  console.error(
    [
      `portal-health-status needs Node.js ${wanted} or later; this is Node.js ${process.versions.node}.`,
      `Get it with nvm (\`nvm install\` reads .nvmrc: ${wanted}), fnm (\`fnm use\`), or from https://nodejs.org/ ,`,
      `then run the command again.`,
    ].join("\n"),
  );
  process.exit(1);
}
