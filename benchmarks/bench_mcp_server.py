#!/usr/bin/env python3
"""MCP server figures: build time, in-process tool-call latency, stdio cold start, packaging.

Plain script: `python benchmarks/bench_mcp_server.py`. Prints one line per figure.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def main() -> None:
    import anyio

    t0 = time.perf_counter()
    from csuite.mcp.server import build_server
    from csuite.tools.schemas import all_specs

    server = build_server()
    print(f"build_server (imports + {len(all_specs())} tools, prompts, resources): "
          f"{ms(time.perf_counter() - t0)}")

    from mcp import Client

    async def calls() -> None:
        async with Client(server) as client:
            for spec in all_specs():
                args = {"path": str(ROOT / "examples" / spec.sample)}
                await client.call_tool(spec.name, args)   # warm: module caches, numpy import
                runs = 5
                start = time.perf_counter()
                for _ in range(runs):
                    result = await client.call_tool(spec.name, args)
                per_call = (time.perf_counter() - start) / runs
                status = "error" if result.is_error else "ok"
                print(f"call {spec.name:<34} {ms(per_call)}  ({status}, mean of {runs})")
            # An ask in a server that has answered before: what an agent waits for on every
            # question after the first (imports and model builds are paid once per process).
            ask = {"question": "Will we make the Q4 number?", "context": str(ROOT / "examples" / "company-context.md"),
                   "data": [str(ROOT / "examples" / "pipeline.csv")], "as_of": "2026-11-23"}
            await client.call_tool("ask", ask)
            runs = 10
            start = time.perf_counter()
            for _ in range(runs):
                result = await client.call_tool("ask", ask)
            status = "error" if result.is_error else "ok"
            print(f"call {'ask (example context + pipeline)':<34} {ms((time.perf_counter() - start) / runs)}  "
                  f"({status}, mean of {runs})")
            start = time.perf_counter()
            listed = await client.list_resources()
            print(f"list_resources ({len(listed.resources)} skill files):   {ms(time.perf_counter() - start)}")

    anyio.run(calls)

    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    params = StdioServerParameters(command=sys.executable, args=["-m", "csuite.mcp"], cwd=str(ROOT),
                                   env={**os.environ, "PYTHONPATH": str(ROOT)})

    async def cold() -> None:
        start = time.perf_counter()
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                await session.list_tools()
                print(f"stdio cold start to first tools/list:        {ms(time.perf_counter() - start)}")

    anyio.run(cold)

    from csuite.pack.bundle import build_zips

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        zips = build_zips(Path(tmp))
        size = sum(z.stat().st_size for z in zips)
        print(f"package {len(zips)} skill zips ({size / 1024:.0f} KiB):            {ms(time.perf_counter() - start)}")

    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS of this process: {peak_kib / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
