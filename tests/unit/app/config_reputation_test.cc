// SPDX-License-Identifier: Apache-2.0
// `[reputation]` in the configuration file and the environment (BOUNCEWATCH_REPUTATION_*).
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "app/config.h"
#include "testing/test_data.h"

namespace bw::app {
namespace {

using std::chrono::hours;

class ReputationConfigTest : public ::testing::Test {
 protected:
  Config Load(const std::string& toml, std::vector<std::string> env = {}) {
    const std::string path = (dir_.path() / "bw.toml").string();
    std::ofstream(path) << "data_dir = \"" << (dir_.path() / "data").string() << "\"\n" << toml;
    std::vector<char*> envp;
    for (std::string& e : env) {
      envp.push_back(e.data());
    }
    envp.push_back(nullptr);
    return LoadConfig(path, ConfigOverrides{}, envp.data());
  }

  testing::TempDir dir_;
};

TEST_F(ReputationConfigTest, DefaultsWhenAbsent) {
  Config c = Load("");
  EXPECT_EQ(c.reputation.window, hours(24 * 7));
  EXPECT_FALSE(c.reputation.window_sends);
  EXPECT_EQ(c.reputation.bucket, hours(1));
  EXPECT_DOUBLE_EQ(c.reputation.bounce_warning, 0.05);
  EXPECT_FALSE(c.reputation.complaint_elevated);
  EXPECT_FALSE(c.reputation.count_simulator);
}

TEST_F(ReputationConfigTest, EveryKeyFromTheFile) {
  Config c = Load(R"([reputation]
window = "14d"
window_sends = 5000
bucket = "6h"
retention = "28d"
bounce_elevated = 0.03
bounce_warning = 0.06
bounce_at_risk = 0.2
complaint_elevated = 0.0005
complaint_warning = 0.002
complaint_at_risk = 0.01
min_sends = 50
count_simulator = true
max_keys_per_bucket = 10
)");
  const metrics::ReputationConfig& r = c.reputation;
  EXPECT_EQ(r.window, hours(24 * 14));
  EXPECT_EQ(r.window_sends, 5000);
  EXPECT_EQ(r.bucket, hours(6));
  EXPECT_EQ(r.retention, hours(24 * 28));
  EXPECT_DOUBLE_EQ(r.bounce_elevated, 0.03);
  EXPECT_DOUBLE_EQ(r.bounce_warning, 0.06);
  EXPECT_DOUBLE_EQ(r.bounce_at_risk, 0.2);
  ASSERT_TRUE(r.complaint_elevated);
  EXPECT_DOUBLE_EQ(*r.complaint_elevated, 0.0005);
  EXPECT_DOUBLE_EQ(r.complaint_warning, 0.002);
  EXPECT_DOUBLE_EQ(r.complaint_at_risk, 0.01);
  EXPECT_EQ(r.min_sends, 50);
  EXPECT_TRUE(r.count_simulator);
  EXPECT_EQ(r.max_keys_per_bucket, 10u);
}

TEST_F(ReputationConfigTest, EnvironmentOverridesTheFile) {
  Config c = Load("[reputation]\nmin_sends = 50\n",
                  {"BOUNCEWATCH_REPUTATION_MIN_SENDS=7", "BOUNCEWATCH_REPUTATION_WINDOW=3d",
                   "BOUNCEWATCH_REPUTATION_BOUNCE_WARNING=0.04",
                   "BOUNCEWATCH_REPUTATION_COUNT_SIMULATOR=true",
                   "BOUNCEWATCH_REPUTATION_WINDOW_SENDS=0"});
  EXPECT_EQ(c.reputation.min_sends, 7);
  EXPECT_EQ(c.reputation.window, hours(72));
  EXPECT_DOUBLE_EQ(c.reputation.bounce_warning, 0.04);
  EXPECT_TRUE(c.reputation.count_simulator);
  EXPECT_FALSE(c.reputation.window_sends);
}

TEST_F(ReputationConfigTest, BadValuesAreOneSentenceErrors) {
  const char* bad[] = {
      "[reputation]\nwindw = \"7d\"\n",                               // unknown key
      "[reputation]\nwindow = \"often\"\n",                           // not a duration
      "[reputation]\nbucket = \"5h\"\n",                              // does not divide 7d
      "[reputation]\nbounce_warning = 0.01\n",                        // below elevated
      "[reputation]\nbounce_at_risk = 1.5\n",                         // above 1
      "[reputation]\ncomplaint_warning = \"high\"\n",                 // not a number
      "[reputation]\nmin_sends = -1\n",                               // negative
      "[reputation]\nretention = \"1d\"\n",                           // shorter than the window
      "[reputation]\nmax_keys_per_bucket = 0\n",
  };
  for (const char* toml : bad) {
    try {
      Load(toml);
      ADD_FAILURE() << "accepted: " << toml;
    } catch (const ConfigError& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find("reputation"), std::string::npos) << m;
      EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    }
  }
  EXPECT_THROW(Load("", {"BOUNCEWATCH_REPUTATION_BOUNCE_WARNING=lots"}), ConfigError);
  EXPECT_THROW(Load("", {"BOUNCEWATCH_REPUTATION_NOPE=1"}), ConfigError);
}

}  // namespace
}  // namespace bw::app
