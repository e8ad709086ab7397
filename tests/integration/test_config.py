"""A TOML config replaces the default consumers: their names, functions and timeouts are what a
job shows, and one consumer failing while another succeeds makes the whole job a Failure."""

import os
import unittest

from harness import ServerTestCase, TempDirs, assert_start_refused, require_binary, run_cli, sleep_results

CONFIG = """
[store]
shards = 4

[[consumers]]
name = "quick"
function = "noop"

[[consumers]]
name = "sleeper"
function = "sleep"
filters = ['{"eventName": ["INSERT"]}']
batch_size = 1
parallelism = 10
max_retries = 0
timeout_seconds = 2
"""


class ConfiguredConsumers(ServerTestCase):
    CONFIG = CONFIG

    def test_job_runs_on_exactly_the_configured_consumers(self):
        job_id = self.client.submit({"seconds": 1})
        job = self.client.wait_terminal(job_id, timeout=30)
        self.assertEqual("Success", job["status"], job)
        self.assertEqual({"quick", "sleeper"}, set(job["consumers"]), job)
        self.assertEqual("Success", job["consumers"]["quick"]["status"], job)
        self.assertEqual({"status": "Success", "results": sleep_results(1)},
                         job["consumers"]["sleeper"])
        # insert, sleeper Running + Success; quick (noop) finishes within the 100 ms running
        # grace, so it writes only its outcome.
        self.assertEqual(3, job["version"], job)

    def test_one_consumer_over_its_timeout_makes_the_job_a_failure(self):
        job_id = self.client.submit({"seconds": 3})
        job = self.client.wait_terminal(job_id, timeout=30)
        self.assertEqual("Failure", job["status"], job)
        self.assertEqual("Success", job["consumers"]["quick"]["status"], job)
        sleeper = job["consumers"]["sleeper"]
        self.assertEqual("Failure", sleeper["status"], job)
        self.assertEqual("3 exceeds the timeout of 2 seconds", sleeper["error"]["errorMessage"])


class RefusedSettings(unittest.TestCase):
    """Settings that cannot work are refused at start (exit 2), naming the setting, the value's
    problem and what is valid; nothing is created in the data directory."""

    def setUp(self):
        require_binary()
        self.root = TempDirs.make(self.addCleanup)
        self.data_dir = os.path.join(self.root, "data")

    def serve(self, *args, config=None):
        if config is not None:
            path = os.path.join(self.root, "jobstream.toml")
            with open(path, "w") as f:
                f.write(config)
            args = ("--config", path, *args)
        return run_cli("serve", "--data-dir", self.data_dir, "--listen", "127.0.0.1:0", *args,
                       timeout=20)

    def assertRefused(self, result, message):
        assert_start_refused(self, result, message, self.data_dir)

    def test_unknown_log_level_is_refused_listing_the_valid_ones(self):
        valid = "is not one of trace, debug, info, warn, error, critical, off"
        self.assertRefused(self.serve("--log-level", "verbose"), f"log_level 'verbose' {valid}")
        self.assertRefused(self.serve(config='log_level = "chatty"\n'), f"log_level 'chatty' {valid}")

    def test_huge_clock_skew_is_refused_instead_of_overflowing(self):
        self.assertRefused(self.serve(config="[auth]\nmax_clock_skew_seconds = 9223372036854775807\n"),
                           "max_clock_skew must be between 1 and 86400 seconds")
        self.assertRefused(self.serve("--max-clock-skew", "86401"),
                           "max_clock_skew must be between 1 and 86400 seconds")

    def test_values_too_large_for_their_type_are_refused_not_wrapped(self):
        self.assertRefused(self.serve(config="[http]\nio_threads = 4294967297\n"),
                           "setting 'http.io_threads' must be at most 2147483647")

    def test_service_of_another_api_on_the_port_is_refused(self):
        # Requests scoped to sts would have gone to STS: the jobs API unreachable.
        self.assertRefused(self.serve("--service", "sts"),
                           "auth.service names the jobs API's SigV4 service only; \"sts\" is the service of "
                           "another API on the same port (sts, iam, dynamodb, events)")
        self.assertRefused(self.serve(config='[auth]\nservice = "Execute-API"\n'),
                           "auth.service must be a SigV4 service name")

    def test_responses_are_jobstreams_or_the_references(self):
        self.assertRefused(self.serve(config='[api]\nresponses = "aws"\n'),
                           'api.responses must be "jobstream" or "reference" (got "aws")')

    def test_unknown_setting_is_refused_by_name(self):
        self.assertRefused(self.serve(config="[http]\nmax_conections = 5\n"),
                           "unknown setting 'http.max_conections'")

    def test_config_path_that_is_a_directory_is_refused(self):
        self.assertRefused(self.serve("--config", self.root),
                           f"config file {self.root} is not a regular file")


if __name__ == "__main__":
    unittest.main()
