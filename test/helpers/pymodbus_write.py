#!/usr/bin/python3
"""Writes typed values to a Modbus/TCP server with pymodbus 3.0's BinaryPayloadBuilder.

    /usr/bin/python3 pymodbus_write.py PORT '{"writes": [{"address", "type", "value", "byteorder", "wordorder", "quantity"?}],
                                             "coils": [{"address", "values": [bool]}]}'

The builder is pymodbus' own implementation of byte and word order, so tests
that read these values back check Outrigger's decoding against an independent one.
"""
import json
import sys

from pymodbus.client import ModbusTcpClient
from pymodbus.constants import Endian
from pymodbus.payload import BinaryPayloadBuilder

ADD = {
    "int16": "add_16bit_int",
    "uint16": "add_16bit_uint",
    "int32": "add_32bit_int",
    "uint32": "add_32bit_uint",
    "int64": "add_64bit_int",
    "uint64": "add_64bit_uint",
    "float32": "add_32bit_float",
    "float64": "add_64bit_float",
}


def order(name):
    return Endian.Big if name == "big" else Endian.Little


def main():
    port = int(sys.argv[1])
    spec = json.loads(sys.argv[2])
    client = ModbusTcpClient("127.0.0.1", port=port, timeout=3)
    if not client.connect():
        sys.exit(f"cannot connect to 127.0.0.1:{port}")
    for w in spec.get("writes", []):
        b = BinaryPayloadBuilder(byteorder=order(w["byteorder"]), wordorder=order(w["wordorder"]))
        if w["type"] == "string":
            raw = w["value"].encode("utf-8")
            b.add_string(raw + b"\0" * (w["quantity"] * 2 - len(raw)))
        elif w["type"].startswith("float"):
            getattr(b, ADD[w["type"]])(float(w["value"]))
        else:
            getattr(b, ADD[w["type"]])(int(w["value"]))
        rr = client.write_registers(w["address"], b.to_registers(), slave=1)
        if rr.isError():
            sys.exit(f"write {w} failed: {rr}")
    for c in spec.get("coils", []):
        rr = client.write_coils(c["address"], c["values"], slave=1)
        if rr.isError():
            sys.exit(f"coil write {c} failed: {rr}")
    client.close()


if __name__ == "__main__":
    main()
