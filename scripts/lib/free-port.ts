// A port nothing on this machine listens on right now: the system picks it (port 0), we
// release it and hand it on. What a script starts binds it moments later; a busy port
// range, another checkout's servers or a benchmark running beside this one never collide.
import { createServer } from "node:net";

export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
