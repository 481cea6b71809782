/**
 * Strict (de)serialization of the generated Session protobufs (`../gen/`, @bufbuild/protobuf):
 * decoding checks what libsession's C++ `ParseFromArray` checks — well-formed wire data and every
 * `required` field present, in nested messages too — and turns any failure into one typed error.
 *
 * @module
 */

import { type DescMessage, fromBinary, type MessageShape, toBinary } from "@bufbuild/protobuf";
import { ProtocolError } from "../../errors.ts";

/**
 * Parse `bytes` as message `schema`, requiring every proto2 `required` field (recursively), as
 * libsession's C++ parser does.
 *
 * @param schema generated message schema, e.g. `EnvelopeSchema`
 * @param bytes serialized message
 * @param action what the caller was doing, for the error message (optional)
 * @returns the message
 * @throws {ProtocolError} `MESSAGE_INVALID` for malformed wire data or a missing required field
 * @example A missing required field is refused
 * ```ts
 * import { decodeProto } from "./protobuf.ts";
 * import { EnvelopeSchema } from "../gen/session_protos_pb.ts";
 * import { isProtocolError } from "../../errors.ts";
 * try {
 *   decodeProto(EnvelopeSchema, new Uint8Array([0x42, 0x00]), "parse envelope");
 *   throw new Error("accepted");
 * } catch (e) {
 *   if (!isProtocolError(e, "MESSAGE_INVALID")) throw e;
 * }
 * ```
 */
export function decodeProto<Desc extends DescMessage>(
  schema: Desc,
  bytes: Uint8Array,
  action = "decode protobuf",
): MessageShape<Desc> {
  let message: MessageShape<Desc>;
  try {
    message = fromBinary(schema, bytes);
  } catch (cause) {
    throw new ProtocolError("MESSAGE_INVALID", `Cannot ${action}: malformed ${schema.name} protobuf`, { cause });
  }
  try {
    // The encoder refuses unset required fields at any depth: the check ParseFromArray makes.
    toBinary(schema, message);
  } catch (cause) {
    throw new ProtocolError("MESSAGE_INVALID", `Cannot ${action}: ${schema.name} lacks a required field`, { cause });
  }
  return message;
}

/**
 * Serialize a message built by the caller.
 *
 * @param schema generated message schema
 * @param message the message
 * @param action what the caller was doing, for the error message (optional)
 * @returns the serialized bytes
 * @throws {TypeError} when a required field is not set
 * @example
 * ```ts
 * import { create } from "@bufbuild/protobuf";
 * import { encodeProto } from "./protobuf.ts";
 * import { ContentSchema } from "../gen/session_protos_pb.ts";
 * const bytes = encodeProto(ContentSchema, create(ContentSchema, { sigTimestamp: 1n }), "encode");
 * if (bytes[0] !== 0x78) throw new Error("bad");
 * ```
 */
export function encodeProto<Desc extends DescMessage>(
  schema: Desc,
  message: MessageShape<Desc>,
  action = "encode protobuf",
): Uint8Array {
  try {
    return toBinary(schema, message);
  } catch (cause) {
    throw new TypeError(`Cannot ${action}: ${schema.name} is incomplete`, { cause });
  }
}
