// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

namespace bw::app {

// The simulator's signing identity in the data directory: a key pair `bouncewatch simulate`
// signs with and `serve` trusts only with sns.trust_simulator = true.
struct SimulatorTrust {
  std::string key_path;   // <data_dir>/simulator/signing-key.pem (mode 0600)
  std::string cert_path;  // <data_dir>/simulator/signing-cert.pem
  std::string cert_url;   // the fixed SigningCertURL the simulator puts in its messages
};

// The fixed SigningCertURL of simulator messages (on the SNS host pattern; never fetched).
inline constexpr const char* kSimulatorCertUrl =
    "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-bouncewatch-simulator.pem";

// The start of the simulator certificate's validity: 2000-01-01T00:00:00Z (Unix seconds).
inline constexpr long kSimulatorCertNotBefore = 946684800;

// Creates the key pair on first use (RSA 2048, self-signed, valid from kSimulatorCertNotBefore
// to 10 years after its creation) and returns the paths.
// Throws ConfigError when the directory cannot be written.
SimulatorTrust EnsureSimulatorTrust(const std::string& data_dir);

}  // namespace bw::app
