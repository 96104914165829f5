#include "wallet/cli.h"

int main(int argc, char** argv) { return vest::wallet::run_cli(argc, argv); }
