#!/usr/bin/python3
"""Real Modbus/TCP peer built on Debian's python3-pymodbus (3.0.x API).

Run with /usr/bin/python3 (a pyenv/venv python3 on PATH usually has no pymodbus):

    /usr/bin/python3 test/peers/modbus/pymodbus_server.py PORT [UNIT_ID]

  PORT      TCP port on 127.0.0.1 (MODBUS_HOST env overrides the bind address).
  UNIT_ID   optional. Omitted: every unit id 0..247 is answered from the same data store.
            Given: only that unit id is served. Requests for other unit ids are DROPPED
            silently by pymodbus 3.0 (the client times out; no exception 0x0B is sent).

Addressing is zero-based (zero_mode=True): protocol address N is table entry N.
Every table has N_ENTRIES = 10000 entries (addresses 0..9999); reading past 9999
answers Modbus exception 2 (Illegal data address).

Deterministic initial layout (identical to test/peers/modbus/libmodbus_server.c, so
tests can share expectations and run against either server):

  holding registers (FC3, write FC6/FC16/FC23)  HR[i] = 100 + i          (100 .. 10099)
  input registers   (FC4, read-only)            IR[i] = 30000 + i        (30000 .. 39999)
  coils             (FC1, write FC5/FC15)       CO[i] = 1 if i % 3 == 0 else 0   (1,0,0,1,0,0,...)
  discrete inputs   (FC2, read-only)            DI[i] = 1 if i % 2 == 1 else 0   (0,1,0,1,...)

Writes to holding registers and coils are kept in memory for the life of the process
(a restart resets to the layout above).

Prints "pymodbus_server listening on HOST:PORT" once the socket is bound.
SIGTERM / SIGINT close the server cleanly.
"""
import asyncio
import logging
import os
import signal
import sys

import pymodbus
from pymodbus.datastore import (
    ModbusSequentialDataBlock,
    ModbusServerContext,
    ModbusSlaveContext,
)
from pymodbus.device import ModbusDeviceIdentification
from pymodbus.server import StartAsyncTcpServer

N_ENTRIES = 10000


def hr_value(i):
    return (100 + i) & 0xFFFF


def ir_value(i):
    return (30000 + i) & 0xFFFF


def coil_value(i):
    return 1 if i % 3 == 0 else 0


def di_value(i):
    return 1 if i % 2 == 1 else 0


def build_store():
    # zero_mode=True: address N -> block index N (pymodbus' default would shift by +1).
    return ModbusSlaveContext(
        co=ModbusSequentialDataBlock(0, [coil_value(i) for i in range(N_ENTRIES)]),
        di=ModbusSequentialDataBlock(0, [di_value(i) for i in range(N_ENTRIES)]),
        hr=ModbusSequentialDataBlock(0, [hr_value(i) for i in range(N_ENTRIES)]),
        ir=ModbusSequentialDataBlock(0, [ir_value(i) for i in range(N_ENTRIES)]),
        zero_mode=True,
    )


def usage():
    sys.stderr.write("usage: /usr/bin/python3 pymodbus_server.py PORT [UNIT_ID]\n")
    sys.exit(2)


async def main():
    if len(sys.argv) < 2 or len(sys.argv) > 3:
        usage()
    try:
        port = int(sys.argv[1])
        unit = int(sys.argv[2]) if len(sys.argv) == 3 else None
    except ValueError:
        usage()
    if unit is not None and not 0 <= unit <= 247:
        sys.stderr.write("UNIT_ID must be 0..247\n")
        sys.exit(2)
    host = os.environ.get("MODBUS_HOST", "127.0.0.1")
    logging.basicConfig(
        level=os.environ.get("MODBUS_LOG_LEVEL", "WARNING"),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )

    store = build_store()
    if unit is None:
        context = ModbusServerContext(slaves=store, single=True)
    else:
        context = ModbusServerContext(slaves={unit: store}, single=False)

    identity = ModbusDeviceIdentification(
        info_name={
            "VendorName": "outrigger-peers",
            "ProductCode": "PYMB",
            "ProductName": "pymodbus test peer",
            "ModelName": "pymodbus_server.py",
            "MajorMinorRevision": pymodbus.__version__,
        }
    )
    server = await StartAsyncTcpServer(
        context=context,
        identity=identity,
        address=(host, port),
        defer_start=True,
        allow_reuse_address=True,
        backlog=512,
    )
    serve_task = asyncio.create_task(server.serve_forever())
    await server.serving
    print(
        f"pymodbus_server listening on {host}:{port} unit={'any' if unit is None else unit} "
        f"entries={N_ENTRIES} pymodbus={pymodbus.__version__}",
        flush=True,
    )

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    done, _ = await asyncio.wait(
        {serve_task, asyncio.create_task(stop.wait())}, return_when=asyncio.FIRST_COMPLETED
    )
    if serve_task in done:
        serve_task.result()  # surface bind errors etc.
        return 1
    await server.shutdown()
    serve_task.cancel()
    try:
        await serve_task
    except asyncio.CancelledError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
