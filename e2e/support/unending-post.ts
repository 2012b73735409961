import http from "node:http";

export type EarlyAnswer = { status: number; headers: http.IncomingHttpHeaders; body: string; bytesSent: number };

/**
 * A POST whose body never ends: it sends `prefix`, then filler in 16 KiB chunks (waiting for the
 * socket to drain, so the bytes really left) until `sendAtLeast` bytes are out, then waits with
 * the request still open. A server that reads the whole body before answering never answers it;
 * one that stops at its cap answers while the client is still sending. With `declaredLength`,
 * the request announces that Content-Length instead of streaming chunked.
 */
export function postWithoutEnd(
  url: string,
  options: { headers?: http.OutgoingHttpHeaders; prefix?: string | Buffer; sendAtLeast: number; declaredLength?: number; waitMs?: number },
): Promise<EarlyAnswer> {
  const target = new URL(url);
  const headers = { ...options.headers, ...(options.declaredLength !== undefined && { "content-length": String(options.declaredLength) }) };
  const request = http.request({ host: target.hostname, port: target.port, path: `${target.pathname}${target.search}`, method: "POST", headers });
  let bytesSent = 0;
  let answered = false;

  const answer = new Promise<EarlyAnswer>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${options.waitMs ?? 20_000} ms while the body was still being sent (${bytesSent} bytes out)`)), options.waitMs ?? 20_000);
    request.on("response", (response) => {
      answered = true;
      const sentWhenAnswered = bytesSent;
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => {
        clearTimeout(timer);
        request.destroy();
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body, bytesSent: sentWhenAnswered });
      });
    });
    // The server may drop the connection once it has answered: that is the point, not an error.
    request.on("error", (error) => {
      if (!answered) {
        clearTimeout(timer);
        reject(error);
      }
    });
  });

  const write = (chunk: string | Buffer) =>
    new Promise<void>((resolve) => {
      bytesSent += Buffer.byteLength(chunk);
      if (request.write(chunk)) resolve();
      else request.once("drain", resolve);
    });
  void (async () => {
    if (options.prefix) await write(options.prefix);
    const filler = Buffer.alloc(16 * 1024, "a");
    while (!answered && !request.destroyed && bytesSent < options.sendAtLeast) await write(filler);
    // Never request.end(): the body is unfinished for as long as the answer takes.
  })();
  return answer;
}
