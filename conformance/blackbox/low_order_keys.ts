/**
 * Every encoding of an X25519 public key of small order: the points whose key agreement gives
 * the all-zero shared secret, which a node must refuse (hardening.md §2) with the uniform
 * `Invalid ciphertext` (§3). They are curve constants — 0, 1, the two points of order 8 and
 * p − 1 (order 2), each also with the top bit set (RFC 7748 receivers mask it), and the
 * non-canonical p and p + 1 (≡ 0 and 1), with and without the top bit — and exactly the public
 * keys of the Wycheproof `x25519_test.json` cases flagged `ZeroSharedSecret` / `LowOrderPublic`
 * (tcIds in the comments; `mod_test.ts` compares the two sets when the shared vectors are
 * present).
 *
 * @module
 */

/** Name (for the check id) → public key, 64 lower-case hex digits, little-endian u. */
export const LOW_ORDER_KEYS: Readonly<Record<string, string>> = Object.freeze({
  /** u = 0 (Wycheproof tcId 32, 69, 117). */
  zero: "0000000000000000000000000000000000000000000000000000000000000000",
  /** u = 1 (tcId 33, 70, 118). */
  one: "0100000000000000000000000000000000000000000000000000000000000000",
  /** A point of order 8 (tcId 63, 73, 165). */
  order8_e0eb: "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
  /** The other point of order 8 (tcId 64, 72, 166). */
  order8_5f9c: "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
  /** u = p − 1, order 2 (tcId 65, 71, 154). */
  p_minus_1: "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  /** Order 8, top bit set (tcId 66, 80). */
  order8_e0eb_top_bit: "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b880",
  /** The other order-8 point, top bit set (tcId 67, 79). */
  order8_5f9c_top_bit: "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f11d7",
  /** p − 1, top bit set (tcId 68, 78). */
  p_minus_1_top_bit: "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
  /** u = p ≡ 0, non-canonical (tcId 74, 83). */
  p: "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  /** u = p + 1 ≡ 1, non-canonical (tcId 75, 85). */
  p_plus_1: "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  /** 0, top bit set (tcId 76, 84). */
  zero_top_bit: "0000000000000000000000000000000000000000000000000000000000000080",
  /** 1, top bit set (tcId 77, 86). */
  one_top_bit: "0100000000000000000000000000000000000000000000000000000000000080",
  /** p, top bit set (tcId 81). */
  p_top_bit: "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
  /** p + 1, top bit set (tcId 82). */
  p_plus_1_top_bit: "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
});
