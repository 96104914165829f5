#include "wallet/tx_builder.h"

namespace vest::wallet {

Transaction build_signed(const TxParams& p, uint64_t kind, Bytes payload, const PrivateKey& key) {
  Transaction tx;
  tx.chain_id = p.chain_id;
  tx.nonce = p.nonce;
  tx.fee = p.fee;
  tx.kind = kind;
  tx.payload = std::move(payload);
  tx.sign(key);
  return tx;
}

}  // namespace vest::wallet
