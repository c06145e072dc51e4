import net from 'node:net';

/**
 * Asks the kernel for a free loopback port and closes it again. The port is
 * only free at that moment: anything may take it before a server binds it.
 * Do not start servers on it directly; bind port 0 and read the port back, or
 * use it as the port picker of startServerProcess / retryOnPortInUse
 * (listen-retry.ts), which retry on a fresh port when it was taken.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
