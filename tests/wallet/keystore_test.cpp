#include "wallet/keystore.h"

#include <openssl/evp.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>

#include "chain/keccak.h"
#include "tests/util/npm.h"
#include "tests/util/test_util.h"

using namespace vest;
using namespace vest::wallet;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

// Cheap scrypt parameters for tests.
constexpr ScryptParams kFast{1024, 8, 1};

PrivateKey key_from_hex(std::string_view hex) {
  auto k = PrivateKey::from(test::unhex(hex));
  REQUIRE(k.has_value());
  return *k;
}

json::object parse_object(const std::string& text) { return json::parse(text).as_object(); }

// Decrypts edited keystore text, returning the error.
KeystoreError decrypt_text(const json::value& doc, std::string_view password, std::string* detail = nullptr) {
  PrivateKey out;
  return decrypt_keystore(json::serialize(doc), password, out, detail);
}

// A pbkdf2 keystore for any 32 plaintext bytes, built here with OpenSSL
// independently of the code under test (so it can hold an invalid key).
json::object pbkdf2_keystore(const Bytes& plain, std::string_view password) {
  const uint8_t salt[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  const uint8_t iv[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe};
  uint8_t dk[32];
  REQUIRE(PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt, sizeof salt, 2, EVP_sha256(),
                            32, dk) == 1);
  Bytes cipher(plain.size());
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  int len = 0;
  REQUIRE(EVP_EncryptInit_ex(ctx, EVP_aes_128_ctr(), nullptr, dk, iv) == 1);
  REQUIRE(EVP_EncryptUpdate(ctx, cipher.data(), &len, plain.data(), static_cast<int>(plain.size())) == 1);
  EVP_CIPHER_CTX_free(ctx);
  Bytes mac_input(dk + 16, dk + 32);
  append(mac_input, cipher);
  json::object kdfparams{{"c", 2}, {"dklen", 32}, {"prf", "hmac-sha256"}, {"salt", to_hex(ByteView(salt, 16))}};
  json::object crypto{{"cipher", "aes-128-ctr"},
                      {"cipherparams", json::object{{"iv", to_hex(ByteView(iv, 16))}}},
                      {"ciphertext", to_hex(cipher)},
                      {"kdf", "pbkdf2"},
                      {"kdfparams", kdfparams},
                      {"mac", to_hex(keccak256(mac_input).view())}};
  return json::object{{"crypto", crypto}, {"id", "00000000-0000-4000-8000-000000000000"}, {"version", 3}};
}

// True when `text` matches `pattern`, where in the pattern 'd' stands for a
// decimal digit, 'h' for a lowercase hex digit, and any other character for
// itself. (std::regex trips GCC 12 warnings in the sanitizer build.)
bool matches(std::string_view text, std::string_view pattern) {
  if (text.size() != pattern.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    char t = text[i], p = pattern[i];
    bool digit = t >= '0' && t <= '9';
    if (p == 'd' ? !digit : p == 'h' ? !(digit || (t >= 'a' && t <= 'f')) : t != p) return false;
  }
  return true;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

int run(const std::string& command) {
  int status = std::system(command.c_str());
  return (status != -1 && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("keystore: ethereum/tests vectors decrypt to their keys", "[keystore]") {
  auto v = test::load_vectors("ethereum/KeyStoreTests_basic_tests.json");
  const auto& cases = v.as_object();
  REQUIRE(cases.size() > 0);
  for (const auto& [name, c] : cases) {
    INFO("case " << std::string(name));
    std::string text = json::serialize(c.at("json"));
    std::string password(c.at("password").as_string());
    PrivateKey expected = key_from_hex(c.at("priv").as_string());
    PrivateKey out;
    std::string detail;
    KeystoreError e = decrypt_keystore(text, password, out, &detail);
    INFO(detail);
    REQUIRE(e == KeystoreError::kOk);
    CHECK(out == expected);
  }
  // A wrong password, on the cheapest case (scrypt n = 8192).
  const auto& cheap = cases.at("mycrypto");
  PrivateKey out;
  CHECK(decrypt_keystore(json::serialize(cheap.at("json")), "foobartest122", out) == KeystoreError::kWrongPassword);
}

TEST_CASE("keystore: encrypt and decrypt round trip, v3 layout", "[keystore]") {
  PrivateKey key = generate_private_key();
  std::string text = encrypt_keystore(key, "hunter2", kFast);
  json::object doc = parse_object(text);

  CHECK(doc.at("address").as_string() == to_hex(address_of(key).view()));
  CHECK(doc.at("version").as_int64() == 3);
  std::string id(doc.at("id").as_string());
  CHECK(matches(id, "hhhhhhhh-hhhh-4hhh-hhhh-hhhhhhhhhhhh"));
  CHECK(std::string("89ab").find(id[19]) != std::string::npos);  // RFC 4122 variant
  const auto& crypto = doc.at("crypto").as_object();
  CHECK(crypto.at("cipher").as_string() == "aes-128-ctr");
  CHECK(crypto.at("kdf").as_string() == "scrypt");
  CHECK(crypto.at("cipherparams").at("iv").as_string().size() == 32);
  CHECK(crypto.at("ciphertext").as_string().size() == 64);
  CHECK(crypto.at("mac").as_string().size() == 64);
  const auto& kdf = crypto.at("kdfparams").as_object();
  CHECK(kdf.at("dklen").to_number<int64_t>() == 32);
  CHECK(kdf.at("n").to_number<int64_t>() == 1024);
  CHECK(kdf.at("r").to_number<int64_t>() == 8);
  CHECK(kdf.at("p").to_number<int64_t>() == 1);
  CHECK(kdf.at("salt").as_string().size() == 64);
  // The key itself never appears in the file.
  CHECK(text.find(to_hex(key.view())) == std::string::npos);

  PrivateKey out;
  REQUIRE(decrypt_keystore(text, "hunter2", out) == KeystoreError::kOk);
  CHECK(out == key);

  // Fresh salt, IV and id each time.
  json::object again = parse_object(encrypt_keystore(key, "hunter2", kFast));
  CHECK(again.at("id") != doc.at("id"));
  CHECK(again.at("crypto").at("kdfparams").at("salt") != doc.at("crypto").at("kdfparams").at("salt"));
  CHECK(again.at("crypto").at("cipherparams").at("iv") != doc.at("crypto").at("cipherparams").at("iv"));

  // Empty and non-ASCII passwords work too.
  for (std::string pw : {std::string(), std::string("p\xc3\xa4sswort \xf0\x9f\x90\x8e")}) {
    std::string t = encrypt_keystore(key, pw, kFast);
    PrivateKey o;
    REQUIRE(decrypt_keystore(t, pw, o) == KeystoreError::kOk);
    CHECK(o == key);
  }
}

TEST_CASE("keystore: wrong password and tampering are refused", "[keystore]") {
  PrivateKey key = generate_private_key();
  json::object doc = parse_object(encrypt_keystore(key, "right", kFast));
  PrivateKey out;
  out.bytes.fill(0x5a);
  const PrivateKey untouched = out;
  CHECK(decrypt_keystore(json::serialize(doc), "wrong", out) == KeystoreError::kWrongPassword);
  CHECK(decrypt_keystore(json::serialize(doc), "Right", out) == KeystoreError::kWrongPassword);
  CHECK(out == untouched);  // not written on failure

  auto flip_hex = [](json::value& field) {
    std::string s(field.as_string());
    s[5] = s[5] == '0' ? '1' : '0';
    field = s;
  };
  json::object t = doc;
  flip_hex(t["crypto"].as_object()["ciphertext"]);
  CHECK(decrypt_text(t, "right") == KeystoreError::kWrongPassword);
  t = doc;
  flip_hex(t["crypto"].as_object()["mac"]);
  CHECK(decrypt_text(t, "right") == KeystoreError::kWrongPassword);
  t = doc;
  flip_hex(t["crypto"].as_object()["kdfparams"].as_object()["salt"]);
  CHECK(decrypt_text(t, "right") == KeystoreError::kWrongPassword);
  // The IV is not covered by the MAC: a changed IV decrypts to another key,
  // which the address field then exposes.
  t = doc;
  flip_hex(t["crypto"].as_object()["cipherparams"].as_object()["iv"]);
  CHECK(decrypt_text(t, "right") == KeystoreError::kAddressMismatch);

  // Another address in the file.
  t = doc;
  t["address"] = to_hex(address_of(generate_private_key()).view());
  CHECK(decrypt_text(t, "right") == KeystoreError::kAddressMismatch);
  // Without an address field the key is accepted as it decrypts.
  t = doc;
  t.erase("address");
  REQUIRE(decrypt_text(t, "right") == KeystoreError::kOk);
  // "0x" prefix and upper case are tolerated in the address field.
  t = doc;
  t["address"] = "0x" + std::string(to_checksum(address_of(key)).substr(2));
  CHECK(decrypt_text(t, "right") == KeystoreError::kOk);
}

TEST_CASE("keystore: a decrypted invalid key is refused", "[keystore]") {
  // Zero and the group order are not keys; the MAC is right, so only the key check catches them.
  const FixedBytes<32> order = group_order();
  for (const Bytes& plain : {Bytes(32, 0), Bytes(order.bytes.begin(), order.bytes.end())}) {
    json::object doc = pbkdf2_keystore(plain, "pw");
    CHECK(decrypt_text(doc, "pw") == KeystoreError::kBadKey);
  }
  // The same construction with a valid key decrypts (checks the helper, and the
  // counter carrying over from an IV of ff..fe).
  PrivateKey key = generate_private_key();
  json::object doc = pbkdf2_keystore(Bytes(key.view().begin(), key.view().end()), "pw");
  PrivateKey out;
  REQUIRE(decrypt_keystore(json::serialize(doc), "pw", out) == KeystoreError::kOk);
  CHECK(out == key);
}

TEST_CASE("keystore: malformed and unsupported files are refused", "[keystore]") {
  PrivateKey out;
  std::string detail;
  CHECK(decrypt_keystore("", "pw", out) == KeystoreError::kMalformed);
  CHECK(decrypt_keystore("{\"version\": 3", "pw", out) == KeystoreError::kMalformed);
  CHECK(decrypt_keystore("[1, 2, 3]", "pw", out) == KeystoreError::kMalformed);
  CHECK(decrypt_keystore("null", "pw", out) == KeystoreError::kMalformed);
  CHECK(decrypt_keystore(std::string(100000, ' ') + "{}", "pw", out) == KeystoreError::kMalformed);

  const json::object good = parse_object(encrypt_keystore(generate_private_key(), "pw", kFast));
  auto crypto_of = [](json::object& d) -> json::object& { return d["crypto"].as_object(); };
  auto kdf_of = [&](json::object& d) -> json::object& { return crypto_of(d)["kdfparams"].as_object(); };

  struct Edit {
    const char* what;
    std::function<void(json::object&)> apply;
    KeystoreError expected;
    const char* field;  // expected in the detail text, for kMalformed
  };
  const std::vector<Edit> edits = {
      {"no version", [](json::object& d) { d.erase("version"); }, KeystoreError::kMalformed, "version"},
      {"version text", [](json::object& d) { d["version"] = "3"; }, KeystoreError::kMalformed, "version"},
      {"version 4", [](json::object& d) { d["version"] = 4; }, KeystoreError::kUnsupported, nullptr},
      {"no crypto", [](json::object& d) { d.erase("crypto"); }, KeystoreError::kMalformed, "crypto"},
      {"crypto a string", [](json::object& d) { d["crypto"] = "x"; }, KeystoreError::kMalformed, "crypto"},
      {"no cipher", [&](json::object& d) { crypto_of(d).erase("cipher"); }, KeystoreError::kMalformed,
       "crypto.cipher"},
      {"cbc", [&](json::object& d) { crypto_of(d)["cipher"] = "aes-128-cbc"; }, KeystoreError::kUnsupported,
       nullptr},
      {"no iv", [&](json::object& d) { crypto_of(d)["cipherparams"].as_object().erase("iv"); },
       KeystoreError::kMalformed, "crypto.cipherparams.iv"},
      {"short iv", [&](json::object& d) { crypto_of(d)["cipherparams"].as_object()["iv"] = "00ff"; },
       KeystoreError::kMalformed, "crypto.cipherparams.iv"},
      {"iv not hex", [&](json::object& d) { crypto_of(d)["cipherparams"].as_object()["iv"] = std::string(32, 'z'); },
       KeystoreError::kMalformed, "crypto.cipherparams.iv"},
      {"no ciphertext", [&](json::object& d) { crypto_of(d).erase("ciphertext"); }, KeystoreError::kMalformed,
       "crypto.ciphertext"},
      {"long ciphertext",
       [&](json::object& d) {
         crypto_of(d)["ciphertext"] = std::string(crypto_of(d)["ciphertext"].as_string()) + "00";
       },
       KeystoreError::kMalformed, "crypto.ciphertext"},
      {"no mac", [&](json::object& d) { crypto_of(d).erase("mac"); }, KeystoreError::kMalformed, "crypto.mac"},
      {"mac a number", [&](json::object& d) { crypto_of(d)["mac"] = 5; }, KeystoreError::kMalformed, "crypto.mac"},
      {"bad address", [](json::object& d) { d["address"] = "xyz"; }, KeystoreError::kMalformed, "address"},
      {"no kdf", [&](json::object& d) { crypto_of(d).erase("kdf"); }, KeystoreError::kMalformed, "crypto.kdf"},
      {"argon2", [&](json::object& d) { crypto_of(d)["kdf"] = "argon2id"; }, KeystoreError::kUnsupported, nullptr},
      {"no kdfparams", [&](json::object& d) { crypto_of(d).erase("kdfparams"); }, KeystoreError::kMalformed,
       "crypto.kdfparams"},
      {"no salt", [&](json::object& d) { kdf_of(d).erase("salt"); }, KeystoreError::kMalformed,
       "crypto.kdfparams.salt"},
      {"huge salt", [&](json::object& d) { kdf_of(d)["salt"] = std::string(4096, 'a'); }, KeystoreError::kMalformed,
       "crypto.kdfparams.salt"},
      {"dklen 64", [&](json::object& d) { kdf_of(d)["dklen"] = 64; }, KeystoreError::kUnsupported, nullptr},
      {"no n", [&](json::object& d) { kdf_of(d).erase("n"); }, KeystoreError::kMalformed, "crypto.kdfparams.n"},
      {"n negative", [&](json::object& d) { kdf_of(d)["n"] = -1024; }, KeystoreError::kMalformed,
       "crypto.kdfparams.n"},
      {"n fractional", [&](json::object& d) { kdf_of(d)["n"] = json::parse("1024.5"); }, KeystoreError::kMalformed,
       "crypto.kdfparams.n"},
      {"n 2^21", [&](json::object& d) { kdf_of(d)["n"] = 1 << 21; }, KeystoreError::kUnsupported, nullptr},
      {"n 2^40", [&](json::object& d) { kdf_of(d)["n"] = uint64_t{1} << 40; }, KeystoreError::kUnsupported, nullptr},
      {"n max", [&](json::object& d) { kdf_of(d)["n"] = UINT64_MAX; }, KeystoreError::kUnsupported, nullptr},
      {"n not a power of two", [&](json::object& d) { kdf_of(d)["n"] = 1000; }, KeystoreError::kUnsupported, nullptr},
      {"n 1", [&](json::object& d) { kdf_of(d)["n"] = 1; }, KeystoreError::kUnsupported, nullptr},
      {"r 0", [&](json::object& d) { kdf_of(d)["r"] = 0; }, KeystoreError::kUnsupported, nullptr},
      {"r 1000", [&](json::object& d) { kdf_of(d)["r"] = 1000; }, KeystoreError::kUnsupported, nullptr},
      {"p 1000", [&](json::object& d) { kdf_of(d)["p"] = 1000; }, KeystoreError::kUnsupported, nullptr},
      {"2^20 with r 16 (2 GiB)",
       [&](json::object& d) {
         kdf_of(d)["n"] = 1 << 20;
         kdf_of(d)["r"] = 16;
       },
       KeystoreError::kUnsupported, nullptr},
      {"pbkdf2 without c",
       [&](json::object& d) {
         crypto_of(d)["kdf"] = "pbkdf2";
         kdf_of(d)["prf"] = "hmac-sha256";
       },
       KeystoreError::kMalformed, "crypto.kdfparams.c"},
      {"pbkdf2 c huge",
       [&](json::object& d) {
         crypto_of(d)["kdf"] = "pbkdf2";
         kdf_of(d)["prf"] = "hmac-sha256";
         kdf_of(d)["c"] = uint64_t{1} << 40;
       },
       KeystoreError::kUnsupported, nullptr},
      {"pbkdf2 c zero",
       [&](json::object& d) {
         crypto_of(d)["kdf"] = "pbkdf2";
         kdf_of(d)["prf"] = "hmac-sha256";
         kdf_of(d)["c"] = 0;
       },
       KeystoreError::kUnsupported, nullptr},
      {"pbkdf2 sha512",
       [&](json::object& d) {
         crypto_of(d)["kdf"] = "pbkdf2";
         kdf_of(d)["prf"] = "hmac-sha512";
         kdf_of(d)["c"] = 2;
       },
       KeystoreError::kUnsupported, nullptr},
  };
  for (const auto& edit : edits) {
    INFO(edit.what);
    json::object d = good;
    edit.apply(d);
    detail.clear();
    CHECK(decrypt_text(d, "pw", &detail) == edit.expected);
    CHECK_FALSE(detail.empty());
    if (edit.field) CHECK(detail.find(edit.field) != std::string::npos);
  }
  // Old files spell the section "Crypto".
  json::object d = good;
  d["Crypto"] = d["crypto"];
  d.erase("crypto");
  CHECK(decrypt_text(d, "pw") == KeystoreError::kOk);
  CHECK(std::string(to_string(KeystoreError::kWrongPassword)) == "wrong password");
}

TEST_CASE("keystore: encryption refuses invalid keys and parameters", "[keystore]") {
  PrivateKey zero;
  CHECK_THROWS_AS(encrypt_keystore(zero, "pw", kFast), std::invalid_argument);
  PrivateKey key = generate_private_key();
  CHECK_THROWS_AS(encrypt_keystore(key, "pw", ScryptParams{1000, 8, 1}), std::invalid_argument);
  CHECK_THROWS_AS(encrypt_keystore(key, "pw", ScryptParams{uint64_t{1} << 21, 8, 1}), std::invalid_argument);
  CHECK_THROWS_AS(encrypt_keystore(key, "pw", ScryptParams{1024, 0, 1}), std::invalid_argument);
  CHECK(scrypt_params_acceptable(262144, 8, 1));
  CHECK(scrypt_params_acceptable(262144, 1, 8));
  CHECK(scrypt_params_acceptable(uint64_t{1} << 20, 8, 1));
  CHECK_FALSE(scrypt_params_acceptable(uint64_t{1} << 20, 8, 16));  // too much work
}

TEST_CASE("keystore: parse_keystore reads the fields without deriving a key", "[keystore]") {
  PrivateKey key = generate_private_key();
  std::string text = encrypt_keystore(key, "pw", kFast);
  KeystoreFile file;
  REQUIRE(parse_keystore(text, file) == KeystoreError::kOk);
  CHECK(file.kdf == KeystoreFile::Kdf::kScrypt);
  CHECK((file.n == kFast.n && file.r == kFast.r && file.p == kFast.p));
  CHECK(file.salt.size() == 32);
  CHECK(file.address == address_of(key));
  PrivateKey out;
  CHECK(decrypt_keystore(file, "wrong", out) == KeystoreError::kWrongPassword);
  REQUIRE(decrypt_keystore(file, "pw", out) == KeystoreError::kOk);
  CHECK(out == key);

  // The costliest parameters the bounds allow parse at once: the work is only
  // done by decrypt_keystore. One step more is refused before any work.
  json::object doc = parse_object(text);
  auto& kdfparams = doc["crypto"].as_object()["kdfparams"].as_object();
  kdfparams["n"] = kMaxScryptN;
  kdfparams["r"] = 8;
  kdfparams["p"] = 2;
  REQUIRE(parse_keystore(json::serialize(doc), file) == KeystoreError::kOk);
  CHECK(file.n * file.r * file.p == kMaxScryptWork);
  kdfparams["p"] = 3;
  std::string detail;
  CHECK(parse_keystore(json::serialize(doc), file, &detail) == KeystoreError::kUnsupported);
  CHECK(detail.find("scrypt parameters out of bounds") != std::string::npos);
  // A file refused as a whole leaves `file` as it was.
  CHECK(file.p == 2);
}

TEST_CASE("keystore: KeystoreDir saves, lists and finds accounts", "[keystore]") {
  test::TempDir tmp;
  fs::path dir = tmp.path() / "keys" / "nested";
  KeystoreDir store(dir);
  CHECK(store.list().empty());

  PrivateKey a = generate_private_key(), b = generate_private_key();
  Address addr_a = address_of(a), addr_b = address_of(b);
  fs::path pa = store.save(encrypt_keystore(a, "pa", kFast), addr_a);
  fs::path pb = store.save(encrypt_keystore(b, "pb", kFast), addr_b);

  CHECK(pa.parent_path() == dir);
  CHECK(matches(pa.filename().string(), "UTC--dddd-dd-ddTdd-dd-dd.dddddddddZ--" + std::string(40, 'h')));
  CHECK(pa.filename().string().substr(pa.filename().string().size() - 40) == to_hex(addr_a.view()));
  CHECK((fs::status(pa).permissions() & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write));
  CHECK((fs::status(dir).permissions() & fs::perms::all) == fs::perms::owner_all);

  // Noise: a hidden file, a folder, and files that are no keystores.
  std::ofstream(dir / (".hidden--" + to_hex(addr_a.view()))) << "{}";
  std::ofstream(dir / "README") << "not a keystore";
  std::ofstream(dir / "broken.json") << "{\"address\": 12";
  fs::create_directory(dir / "sub");

  CHECK(store.list() == std::vector<Address>{addr_a, addr_b});
  CHECK(store.find(addr_a) == pa);
  CHECK(store.find(addr_b) == pb);
  CHECK_FALSE(store.find(address_of(generate_private_key())).has_value());

  PrivateKey out;
  REQUIRE(decrypt_keystore(test::read_file(*store.find(addr_b)), "pb", out) == KeystoreError::kOk);
  CHECK(out == b);

  // A second file for the same account is listed once; find gives the first.
  fs::path pa2 = store.save(encrypt_keystore(a, "other", kFast), addr_a);
  CHECK(pa2 != pa);
  CHECK(store.list() == std::vector<Address>{addr_a, addr_b});
  CHECK(store.find(addr_a) == pa);

  // A file named the geth way but without an address field is still listed.
  PrivateKey c = generate_private_key();
  json::object no_addr = parse_object(encrypt_keystore(c, "pc", kFast));
  no_addr.erase("address");
  fs::path pc = store.save(json::serialize(no_addr), address_of(c));
  CHECK(store.find(address_of(c)) == pc);

  // Saving text that names another account is refused.
  CHECK_THROWS_AS(store.save(encrypt_keystore(a, "pa", kFast), addr_b), std::invalid_argument);
}

TEST_CASE("keystore: ethers.js v6 decrypts our files", "[keystore][interop]") {
  fs::path npm_dir = test::ensure_npm_packages();

  test::TempDir tmp;
  KeystoreDir store(tmp.path() / "keystore");
  fs::path script = fs::path(VEST_SOURCE_DIR) / "tests" / "wallet" / "ethers_keystore_check.mjs";
  for (const std::string password : {"interop password", "p\xc3\xa4ss 'quoted' \xf0\x9f\x90\x8e"}) {
    PrivateKey key = generate_private_key();
    Address account = address_of(key);
    fs::path file = store.save(encrypt_keystore(key, password, ScryptParams{1024, 8, 1}), account);
    std::string cmd = "VEST_NPM_DIR=" + shell_quote(npm_dir.string()) +
                      " NODE_PATH=" + shell_quote((npm_dir / "node_modules").string()) + " node " +
                      shell_quote(script.string()) + " " + shell_quote(file.string()) + " " +
                      shell_quote(password) + " " + shell_quote(to_checksum(account));
    CHECK(run(cmd) == 0);
    // And a wrong password makes the script fail.
    std::string wrong = "VEST_NPM_DIR=" + shell_quote(npm_dir.string()) + " node " + shell_quote(script.string()) +
                        " " + shell_quote(file.string()) + " wrong " + shell_quote(to_checksum(account)) +
                        " 2>/dev/null";
    CHECK(run(wrong) == 1);
  }
}
