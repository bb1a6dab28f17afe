// Interoperability helper for IpcKit's MessagePack tests (MessagePack-CSharp as IpcKit uses it), backed by the independent @msgpack/msgpack implementation.
//
//   node msgpack-interop.mjs decode   reads one hex-encoded MessagePack value per stdin line and prints, per line,
//                                     the decoded value as JSON with type tags (see tag() below), or {"t":"error"}.
//   node msgpack-interop.mjs encode   prints "<name> <hex>" for every value in namedValues(), encoded by @msgpack/msgpack.
//
// Type tags: nil, bool, num (a JS number: any int that fits 32 bits, or any float; v is String(n)), int (a bigint from
// uint64/int64; v is its decimal text), str, bin (v is hex), arr, map (v is [[key, value], ...]), ext (type, v hex),
// ts (sec as decimal text, nsec).
import { readFileSync } from "node:fs";
import { Decoder, Encoder, ExtensionCodec, ExtData, decodeTimestampToTimeSpec, encodeTimeSpecToTimestamp } from "@msgpack/msgpack";

const codec = new ExtensionCodec();
codec.register({ type: -1, encode: () => null, decode: (data) => ({ __timestamp: decodeTimestampToTimeSpec(data) }) });

const hex = (bytes) => Buffer.from(bytes).toString("hex");
const fromHex = (text) => new Uint8Array(Buffer.from(text, "hex"));

function tag(value) {
  if (value === null || value === undefined) return { t: "nil" };
  if (typeof value === "boolean") return { t: "bool", v: value };
  if (typeof value === "number") return { t: "num", v: String(value) };
  if (typeof value === "bigint") return { t: "int", v: value.toString() };
  if (typeof value === "string") return { t: "str", v: value };
  if (value instanceof Uint8Array) return { t: "bin", v: hex(value) };
  if (Array.isArray(value)) return { t: "arr", v: value.map(tag) };
  if (value instanceof ExtData) return { t: "ext", type: value.type, v: hex(value.data) };
  if (value.__timestamp) return { t: "ts", sec: String(value.__timestamp.sec), nsec: value.__timestamp.nsec };
  return { t: "map", v: Object.entries(value).map(([k, v]) => [k, tag(v)]) };
}

// Deterministic contents, built the same way by the C# side: "a" repeated, bytes i % 256, etc.
const repeat = (n) => "a".repeat(n);
const bytes = (n) => Uint8Array.from({ length: n }, (_, i) => i % 256);
const ints = (n) => Array.from({ length: n }, (_, i) => i);
const map = (n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
const ts = (sec, nsec) => new ExtData(-1, encodeTimeSpecToTimestamp({ sec, nsec }));

function namedValues() {
  return {
    nil: null, true: true, false: false,
    int_0: 0, int_127: 127, int_128: 128, int_255: 255, int_256: 256, int_65535: 65535, int_65536: 65536,
    int_4294967295: 4294967295, int_4294967296: 4294967296n,
    int_m1: -1, int_m32: -32, int_m33: -33, int_m128: -128, int_m129: -129, int_m32768: -32768, int_m32769: -32769,
    int_m2147483648: -2147483648, int_m2147483649: -2147483649n,
    int_long_max: 9223372036854775807n, int_long_min: -9223372036854775808n, int_ulong_max: 18446744073709551615n,
    float_1_5: 1.5, float_pi: Math.PI, float_m0_1: -0.1, float_nan: NaN, float_inf: Infinity, float_minf: -Infinity, float_tiny: 5e-324,
    str_0: "", str_31: repeat(31), str_32: repeat(32), str_255: repeat(255), str_256: repeat(256),
    str_65535: repeat(65535), str_65536: repeat(65536), str_unicode: "h\u00e9llo \u4e16\u754c \ud83c\udf89",
    bin_0: bytes(0), bin_255: bytes(255), bin_256: bytes(256), bin_65535: bytes(65535), bin_65536: bytes(65536),
    arr_0: ints(0), arr_15: ints(15), arr_16: ints(16), arr_17: ints(17), arr_65536: ints(65536),
    map_0: map(0), map_15: map(15), map_16: map(16), map_17: map(17),
    ext_1: new ExtData(5, bytes(1)), ext_2: new ExtData(5, bytes(2)), ext_4: new ExtData(5, bytes(4)),
    ext_8: new ExtData(5, bytes(8)), ext_16: new ExtData(5, bytes(16)), ext_3: new ExtData(5, bytes(3)),
    ext_17: new ExtData(5, bytes(17)), ext_0: new ExtData(5, bytes(0)), ext_256: new ExtData(127, bytes(256)),
    ext_65536: new ExtData(-128, bytes(65536)),
    ts_0: ts(0, 0), ts_32_max: ts(4294967295, 0), ts_64_min: ts(4294967296, 0), ts_64_nsec: ts(1, 100),
    ts_64_max: ts(17179869183, 999999900), ts_96_far: ts(17179869184, 0), ts_96_m1: ts(-1, 0),
    ts_96_before_1970: ts(-86400 * 365, 500),
    nested: { name: "order", lines: [1, -2, 3.5, null, true, "x"], blob: bytes(3), inner: { deep: [[[]]] } },
    // Typed messages as IpcKit's attributed types lay them out (MessagePack-CSharp): an OrderReceipt is an array by
    // key, a control message a union [key, map by property name].
    typed_receipt: [7, 2.5, 3, true],
    typed_control_ready: [1, { Pid: 7, Cpu: -1 }],
    typed_dictionary: { a: 1, b: -5000000000n },
  };
}

const mode = process.argv[2];
if (mode === "encode") {
  const encoder = new Encoder({ extensionCodec: codec, useBigInt64: true });
  for (const [name, value] of Object.entries(namedValues())) {
    process.stdout.write(`${name} ${hex(encoder.encode(value))}\n`);
  }
} else if (mode === "decode") {
  const decoder = new Decoder({ extensionCodec: codec, useBigInt64: true });
  const lines = readFileSync(0, "utf8").split("\n").filter((line) => line.trim() !== "");
  for (const line of lines) {
    let result;
    try {
      result = tag(decoder.decode(fromHex(line.trim())));
    } catch (error) {
      result = { t: "error", v: String(error) };
    }
    process.stdout.write(JSON.stringify(result) + "\n");
  }
} else {
  process.stderr.write("usage: node msgpack-interop.mjs encode|decode\n");
  process.exit(2);
}
