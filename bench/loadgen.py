"""A small keep-alive HTTP/1.1 load generator on asyncio: the fallback when wrk is missing.

Same figures as bench/wrk/route.lua's done(). One event loop in one process, so it
saturates earlier than wrk does; figures from it are marked in the report.
"""

import asyncio
import random
import time


async def _connection(host, port, make_request, deadline, latencies, errors):
    reader = writer = None
    while time.monotonic() < deadline:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            started = time.perf_counter()
            writer.write(make_request())
            await writer.drain()
            status_line = await reader.readline()
            if not status_line:
                raise ConnectionError("closed")
            status = int(status_line.split()[1])
            length, close = 0, False
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                name = name.strip().lower()
                if name == "content-length":
                    length = int(value.strip())
                elif name == "connection" and value.strip().lower() == "close":
                    close = True
            if length:
                await reader.readexactly(length)
            latencies.append((time.perf_counter() - started) * 1e6)
            if status > 399:
                errors["status"] += 1
            if close:
                writer.close()
                writer = None
        except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError, IndexError):
            errors["read"] += 1
            if writer is not None:
                writer.close()
            writer = None
            await asyncio.sleep(0.01)
    if writer is not None:
        writer.close()


def run(*, host, port, method, path, body=None, content_type="application/json",
        tokens=(), xff=False, connections=16, duration=8.0) -> dict:
    """Load ``method path`` for ``duration`` seconds; return requests, latencies (µs) and errors."""
    counter = [random.randrange(100000)]

    def make_request() -> bytes:
        counter[0] += 1
        lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}"]
        if tokens:
            lines.append(f"Cookie: cr_session={tokens[counter[0] % len(tokens)]}")
        if xff:
            lines.append(f"X-Forwarded-For: 10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}")
        if body is not None:
            lines += [f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")

    latencies, errors = [], {"status": 0, "read": 0}

    async def main():
        deadline = time.monotonic() + duration
        await asyncio.gather(*(
            _connection(host, port, make_request, deadline, latencies, errors) for _ in range(connections)
        ))

    started = time.monotonic()
    asyncio.run(main())
    elapsed = time.monotonic() - started
    latencies.sort()

    def pct(p):
        return int(latencies[min(len(latencies) - 1, int(len(latencies) * p / 100))]) if latencies else 0

    return {
        "requests": len(latencies), "duration_us": int(elapsed * 1e6),
        "p50_us": pct(50), "p90_us": pct(90), "p99_us": pct(99), "max_us": int(latencies[-1]) if latencies else 0,
        "errors_status": errors["status"], "errors_connect": 0, "errors_read": errors["read"],
        "errors_write": 0, "errors_timeout": 0,
    }
