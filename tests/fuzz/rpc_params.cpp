// Every RPC method's parameters, against a real chain (fuzz_chain.h). The
// input is a method name, a newline and the params JSON; a name that is not
// registered picks one of the registered methods from its bytes, so every input
// calls something. Any answer is fine; a crash, undefined behaviour, a handler
// that throws anything but a JSON-RPC error (the dispatcher would hide it as
// -32603 "Internal error"), or a reply that never comes, is not.
#include <cstdio>

#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fuzz_chain.h"

namespace {

using namespace vest;
namespace json = boost::json;

const std::string& pick_method(std::string_view name) {
  const auto& names = fuzz::fuzz_method_names();
  for (const auto& n : names)
    if (n == name) return n;
  size_t sum = 0;
  for (char c : name) sum += static_cast<unsigned char>(c);
  return names[sum % names.size()];
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static rpc::Dispatcher& dispatcher = []() -> rpc::Dispatcher& {
    rpc::Dispatcher& d = fuzz::fuzz_dispatcher();
    d.set_internal_error_log([](std::string_view method, std::string_view what) {
      std::fprintf(stderr, "%.*s: internal error: %.*s\n", static_cast<int>(method.size()), method.data(),
                   static_cast<int>(what.size()), what.data());
      std::abort();
    });
    return d;
  }();

  std::string_view text = fuzz::input_text(data, size);
  size_t newline = text.find('\n');
  std::string_view name = text.substr(0, newline);
  std::string_view params_text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);

  json::object request{{"jsonrpc", "2.0"}, {"id", 1}, {"method", pick_method(name)}};
  if (!params_text.empty()) {
    json::parse_options options;
    options.max_depth = rpc::Limits{}.max_depth;
    json::error_code ec;
    json::value params = json::parse(params_text, ec, {}, options);
    if (ec) return 0;
    request["params"] = std::move(params);
  }
  int answers = 0;
  dispatcher.handle(json::serialize(request), rpc::Limits{}, [&](std::string response) {
    ++answers;
    FUZZ_CHECK(!response.empty());
  });
  FUZZ_CHECK(answers == 1);
  return 0;
}
