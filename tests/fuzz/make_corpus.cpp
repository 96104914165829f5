// Writes the seed corpora of the fuzz targets into FOLDER/<target>/: valid
// inputs made by the real encoders and the fixture chain of fuzz_chain.h.
// The committed corpus (tests/fuzz/corpus) was made with
//   build/bin/fuzz_make_corpus tests/fuzz/corpus
// Keystores get fresh random salts on every run; everything else is the same.
#include <openssl/evp.h>

#include <cstdio>
#include <fstream>

#include "chain/keccak.h"
#include "chain/rlp.h"
#include "node/config.h"
#include "node/wire.h"
#include "p2p/handshake.h"
#include "tests/fuzz/fuzz_chain.h"
#include "tests/fuzz/p2p_frame.h"
#include "wallet/keystore.h"

namespace {

using namespace vest;
namespace fs = std::filesystem;
namespace json = boost::json;

fs::path g_root;

void write(const std::string& target, const std::string& name, ByteView bytes) {
  fs::create_directories(g_root / target);
  std::ofstream(g_root / target / name, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}
void write(const std::string& target, const std::string& name, std::string_view text) {
  write(target, name, as_bytes(text));
}

// A version 3 keystore with pbkdf2-hmac-sha256, built by hand: encrypt_keystore
// writes scrypt only.
std::string pbkdf2_keystore(const PrivateKey& key, const std::string& password) {
  const uint8_t salt[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  const uint8_t iv[16] = {16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
  const int iterations = 1000;
  uint8_t dk[32];
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt, sizeof salt, iterations, EVP_sha256(),
                    sizeof dk, dk);
  uint8_t ciphertext[32];
  int len = 0, final_len = 0;
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  EVP_EncryptInit_ex(ctx, EVP_aes_128_ctr(), nullptr, dk, iv);
  EVP_EncryptUpdate(ctx, ciphertext, &len, key.data(), 32);
  EVP_EncryptFinal_ex(ctx, ciphertext + len, &final_len);
  EVP_CIPHER_CTX_free(ctx);
  Keccak256 mac;
  mac.update(ByteView(dk + 16, 16)).update(ByteView(ciphertext, sizeof ciphertext));
  json::object kdfparams{{"c", iterations}, {"dklen", 32}, {"prf", "hmac-sha256"}, {"salt", to_hex(ByteView(salt))}};
  json::object crypto{{"cipher", "aes-128-ctr"},
                      {"cipherparams", json::object{{"iv", to_hex(ByteView(iv))}}},
                      {"ciphertext", to_hex(ByteView(ciphertext))},
                      {"kdf", "pbkdf2"},
                      {"kdfparams", std::move(kdfparams)},
                      {"mac", to_hex(mac.final().view())}};
  return json::serialize(json::object{{"address", to_hex(address_of(key).view())},
                                      {"crypto", std::move(crypto)},
                                      {"id", "3198bc9c-6672-5ab3-d995-4942343ae5b6"},
                                      {"version", 3}});
}

void chain_seeds(fuzz::FuzzChain& c) {
  const ChainStore& store = c.store();
  const auto& hashes = c.tx_hashes();
  for (size_t i = 0; i < hashes.size(); ++i) {
    TxRecord rec = *store.transaction(hashes[i]);
    Transaction tx;
    (void)decode_transaction(rec.raw, tx);
    std::string name = "kind" + std::to_string(tx.kind) + "-" + std::to_string(i);
    write("tx_decode", name, rec.raw);
    if (i == 0) {
      write("block_decode", "stored-tx", encode_stored_tx(rec));
      write("rlp", "tx", rec.raw);
    }
    if (!rec.receipt.ok()) write("block_decode", "receipt-failed", rec.receipt.encode());
  }
  write("tx_decode", "admissible-transfer", c.next_transfer());

  // Block 3: purchases with a referrer, a stake and a grant.
  StoredBlock b = *store.block(3);
  Block block{b.header, {}, b.sig, b.last_commit, b.evidence};
  for (const Hash& h : b.tx_hashes) block.txs.push_back(store.transaction(h)->raw);
  write("block_decode", "block", block.encode());
  write("block_decode", "header", b.header.encode());
  write("block_decode", "stored-block", encode_stored_block(b));
  write("block_decode", "certificate", store.certificate(3)->encode());
  write("block_decode", "validator-set", validators_at(store, 0)->set.encode());
  // Evidence: two precommits of the fixture's validator for two blocks at height 2.
  Bytes evidence_seed;
  {
    const PrivateKey key = *PrivateKey::from(*from_hex(node::devnet_validator_key_hex()));
    SignedVote x{Vote{VoteType::kPrecommit, 2, 0, store.block(2)->hash, 1, c.params().chain_id}, address_of(key), {}};
    SignedVote y = x;
    y.vote.block_hash = keccak256(as_bytes("another block"));
    x.sig = sign(key, x.vote.signing_digest());
    y.sig = sign(key, y.vote.signing_digest());
    auto d = make_duplicate_vote(x, y);
    if (!d) {
      std::fprintf(stderr, "the evidence seed is not a duplicate vote\n");
      std::exit(1);
    }
    evidence_seed = encode_duplicate_vote(*d);
    write("block_decode", "duplicate-vote", evidence_seed);
    Block with_evidence = block;
    with_evidence.evidence.push_back(*d);
    with_evidence.header.evidence_hash = evidence_root(with_evidence.evidence);
    write("block_decode", "block-with-evidence", with_evidence.encode());
  }
  Receipt receipt = *store.receipt(3, 0);
  write("block_decode", "receipt", receipt.encode());
  if (!receipt.events.empty()) write("block_decode", "event", encode_event(receipt.events[0]));
  write("rlp", "header", b.header.encode());

  rlp::Encoder nested;
  nested.begin_list().uint(0).uint(127).uint(128).uint(kU128Max).begin_list().str("a").begin_list().end_list();
  nested.end_list().bytes(Bytes(60, 0xab)).end_list();
  write("rlp", "nested", nested.finish());
  rlp::Encoder ints;
  ints.begin_list().uint(1).uint(255).uint(256).uint(UINT64_MAX).uint(u128(1) << 64).end_list();
  write("rlp", "integers", ints.finish());

  // One call of every method, with parameters that find something.
  const std::string a0 = to_checksum(c.accounts()[0]), a1 = to_checksum(c.accounts()[1]);
  const std::string tx0 = to_hex_0x(hashes[0].view());
  const std::string block2 = to_hex_0x(store.block(2)->hash.view());
  const std::pair<const char*, json::value> calls[] = {
      {"account_get", json::object{{"address", a0}}},
      {"account_get", json::object{{"address", a0}, {"atHeight", 2}}},
      {"account_getTransactions", json::object{{"address", a0}, {"limit", 2}}},
      {"account_getTransactions", json::object{{"address", a0}, {"limit", 2}, {"cursor", "4:0"}}},
      {"chain_getAssets", nullptr},
      {"chain_getBlock", json::object{{"height", 3}}},
      {"chain_getBlock", json::object{{"hash", block2}}},
      {"chain_getEvents", json::object{{"height", 3}}},
      {"chain_getEvents", json::object{{"address", a0}, {"limit", 3}, {"kind", "bank.transfer"}}},
      {"chain_getTransaction", json::object{{"hash", tx0}}},
      {"dev_increaseTime", json::object{{"seconds", 3600}}},
      {"dev_mine", json::object{{"blocks", 2}}},
      {"node_status", json::array{}},
      {"sale_getPackage", json::object{{"id", 3}, {"address", a1}}},
      {"sale_getPurchases", json::object{{"address", a0}, {"limit", 1}}},
      {"sale_getTier", json::object{{"address", a1}, {"atHeight", "0x3"}}},
      {"sale_leaderboard", json::object{{"limit", 2}, {"cursor", "1"}}},
      {"sale_listPackages", json::object{{"address", a0}}},
      {"sale_quote", json::object{{"packageId", 3}, {"quantity", "2"}, {"buyer", a1}, {"referrer", a0}}},
      {"staking_get", json::object{{"address", a1}}},
      {"staking_leaderboard", json::object{{"limit", 1}}},
      {"staking_params", nullptr},
      {"staking_totals", json::object{{"atHeight", 4}}},
      {"tx_submit", json::object{{"raw", to_hex_0x(c.next_transfer())}}},
      {"tx_submit", json::object{{"raw", to_hex_0x(c.next_transfer())}, {"wait", true}, {"timeout", 5}}},
      {"tx_submit", json::object{{"raw", to_hex_0x(store.transaction(hashes[0])->raw)}}},
      {"vesting_get", json::object{{"id", 1}}},
      {"vesting_list", json::object{{"address", a0}, {"limit", 1}, {"cursor", "1"}}},
      {"chain_getValidators", json::object{{"height", 2}}},
      {"chain_getEvidence", json::object{{"fromHeight", 1}, {"validator", a0}, {"limit", 2}, {"cursor", "4:0"}}},
      {"dev_submitEvidence", json::object{{"evidence", to_hex_0x(evidence_seed)}}},
      {"chain_getBlocks", json::object{{"fromHeight", 1}, {"toHeight", 3}, {"full", true}, {"limit", 2}, {"cursor", "2:1"}}},
      {"chain_getBlock", json::object{{"height", 3}, {"full", true}, {"limit", 1}, {"cursor", "3:1"}}},
      {"chain_getEvents", json::object{{"fromHeight", 0}, {"toHeight", 3}, {"types", json::array{"bank.transfer"}},
                                       {"addresses", json::array{a0}}, {"limit", 2}, {"cursor", "1:1:0"}}},
      {"account_getTransactions", json::object{{"address", a0}, {"kinds", json::array{"bank.transfer"}}, {"limit", 1}}},
      {"vesting_listAll", json::object{{"limit", 1}, {"cursor", "1"}, {"atHeight", 2}}},
      {"sale_listPurchases", json::object{{"packageId", 1}, {"limit", 1}, {"cursor", "1"}}},
      {"chain_getGenesis", json::object{{"limit", 2}, {"cursor", a0 + ":USDV"}}},
  };
  size_t n = 0;
  for (const auto& [method, params] : calls) {
    std::string text = std::string(method) + "\n" + (params.is_null() ? std::string() : json::serialize(params));
    write("rpc_params", std::to_string(n++) + "-" + method, text);
  }
}

void text_seeds() {
  const std::pair<const char*, const char*> requests[] = {
      {"call", R"({"jsonrpc":"2.0","id":1,"method":"add","params":{"a":2,"b":"0x3"}})"},
      {"positional", R"({"jsonrpc":"2.0","id":"x","method":"fields","params":[{"s":"t","b":true,"o":{},"a":[1]}]})"},
      {"notification", R"({"jsonrpc":"2.0","method":"echo","params":[1,2]})"},
      {"batch", R"([{"jsonrpc":"2.0","id":1,"method":"echo"},{"jsonrpc":"2.0","method":"echo"},)"
                R"({"jsonrpc":"2.0","id":2,"method":"later","params":{}},{"jsonrpc":"2.0","id":3,"method":"nope"},5])"},
      {"errors", R"([{"jsonrpc":"2.0","id":null,"method":"throws"},{"jsonrpc":"2.0","id":1.5,"method":"bad_params"},)"
                 R"({"jsonrpc":"2.0","id":2,"method":"app_error"},{"jsonrpc":"2.0","id":3,"method":"drops"},)"
                 R"({"jsonrpc":"2.0","id":4,"method":"twice","params":null}])"},
      {"invalid", R"({"jsonrpc":"1.0","id":[],"method":7,"params":"x"})"},
      {"deep", R"({"jsonrpc":"2.0","id":1,"method":"echo","params":[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]})"},
  };
  for (const auto& [name, text] : requests) write("jsonrpc_request", name, std::string_view(text));

  write("genesis", "minimal",
        std::string_view(R"({"chain_id":9,"chain_name":"fuzz","genesis_time":0,)"
                         R"("validators":[{"address":"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266","power":1}],)"
                         R"("params":{"min_fee":"1","block_time_ms":1000,"max_block_bytes":65536,)"
                         R"("max_block_txs":10,"max_tx_bytes":4096},)"
                         R"("bank":{"native":"VEST","assets":[{"symbol":"VEST","name":"Vest","decimals":18}],)"
                         R"("balances":[{"address":"0x70997970C51812dc3A010C7d01b50e0d17dc79C8","amounts":{"VEST":"5"}}]}})"));
  std::ifstream devnet(fs::path(VEST_SOURCE_DIR) / "genesis" / "devnet.json");
  std::string text((std::istreambuf_iterator<char>(devnet)), std::istreambuf_iterator<char>());
  write("genesis", "devnet", json::serialize(json::parse(text)));

  const std::string password = "fuzz";  // tests/fuzz/keystore.cpp decrypts with it
  PrivateKey key = fuzz::FuzzChain::get().keys()[0];
  write("keystore", "scrypt", wallet::encrypt_keystore(key, password, wallet::ScryptParams{256, 8, 1}));
  json::object no_address = json::parse(wallet::encrypt_keystore(key, password, {16, 1, 2})).as_object();
  no_address.erase("address");
  no_address["Crypto"] = no_address["crypto"];
  no_address.erase("crypto");
  write("keystore", "scrypt-old-spelling", json::serialize(no_address));
  write("keystore", "pbkdf2", pbkdf2_keystore(key, password));
}

// The node's messages (node/wire.h) about block 3 of the fixture chain; the evidence pairs
// its header with another one of that height, signed by the same (development) validator.
void message_seeds(fuzz::FuzzChain& c) {
  const ChainStore& store = c.store();
  StoredBlock b = *store.block(3);
  write("p2p_message", "status", node::encode_status({3, b.hash}));
  write("p2p_message", "block-request", node::encode_block_request(3));
  write("p2p_message", "block-request-max", node::encode_block_request(UINT64_MAX));
  Block block = *node::load_block(store, 3);
  write("p2p_message", "block", node::encode_block_message(block, store.certificate(3)));
  write("p2p_message", "block-no-certificate", node::encode_block_message(block, std::nullopt));

  const PrivateKey validator_key = *PrivateKey::from(*from_hex(node::devnet_validator_key_hex()));
  node::SignedHeader first{b.header, b.sig}, second{b.header, {}};
  second.header.time += 1;
  second.sig = sign(validator_key, block_signing_digest(second.header.hash()));
  auto evidence = node::make_double_sign(first, second);
  if (!evidence) {
    std::fprintf(stderr, "the evidence seed does not make a double sign\n");
    std::exit(1);
  }
  write("p2p_message", "evidence", node::encode_evidence(*evidence));
}

// Frames sealed with the p2p_frame target's key, from counter 0; plaintexts; auth messages.
void p2p_seeds() {
  using namespace vest::p2p;
  auto frame_bytes = [](std::initializer_list<std::pair<MessageType, Bytes>> messages) {
    CipherState send(fuzz::p2p_frame_key());
    Bytes out;
    for (const auto& [type, payload] : messages) (void)encode_frame(send, type, payload, out);
    return out;
  };
  write("p2p_frame", "frame-ping", frame_bytes({{MessageType::kPing, Bytes(8, 1)}}));
  write("p2p_frame", "frames-three",
        frame_bytes({{MessageType::kTx, Bytes(40, 0xab)}, {MessageType::kPong, Bytes(8, 2)}, {MessageType::kStatus, {}}}));
  write("p2p_frame", "frame-block", frame_bytes({{MessageType::kBlock, Bytes(1000, 7)}}));
  Bytes plain = {static_cast<uint8_t>(MessageType::kProposal), 1, 2, 3};
  write("p2p_frame", "plaintext-consensus", plain);
  AuthMessage auth;
  auth.hello.chain_id = 7;
  auth.hello.genesis_hash.fill(0xaa);
  write("p2p_frame", "auth", encode_auth(auth));
  auth.hello.dialled = NodeId{};
  auth.hello.dialled->fill(0x11);
  write("p2p_frame", "auth-dialled", encode_auth(auth));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_make_corpus FOLDER\n");
    return 2;
  }
  g_root = argv[1];
  chain_seeds(fuzz::FuzzChain::get());
  message_seeds(fuzz::FuzzChain::get());
  text_seeds();
  p2p_seeds();
  return 0;
}
