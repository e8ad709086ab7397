"""`[api] responses = "reference"`: POST /jobs and GET /jobs/{id} answer as the reference AWS
deployment's API Gateway mapping templates render them (aws-samples/asynchronous-event-processing-
api-gateway-dynamodb-streams-cdk, infrastructure/jobs_api/: PutItem's integration response
{"id": "$context.requestId"}, GetItem's get_item_mapping_template.vm), checked byte for byte, and
the reference's Postman collection run against it with newman."""

import copy
import json
import os
import shutil
import unittest
import uuid

import harness
from harness import JOB_ID, ServerTestCase, sleep_results, wait_for
from test_openapi import DOCUMENT, SchemaValidator
from test_postman import COLLECTION, NEWMAN_MISSING, NewmanTestCase, body_of

with open(DOCUMENT) as document_file:
    VALIDATOR = SchemaValidator(json.load(document_file))

REFERENCE = 'log_level = "warn"\n[api]\nresponses = "reference"\n'


def success(seconds):
    return {"results": sleep_results(seconds), "status": "Success"}


class ReferenceAnswersTestCase(ServerTestCase):

    CONFIG = REFERENCE

    def post(self, params):
        """POST /jobs; asserts the reference's answer and returns the new id."""
        resp = self.client.request("POST", "/jobs", body=json.dumps(params).encode())
        self.assertEqual(200, resp.status, resp)
        self.assertEqual("application/json", resp.header("Content-Type"), resp)
        self.assertIsNone(resp.header("Location"), resp)
        job_id = json.loads(resp.body)["id"]
        self.assertRegex(job_id, JOB_ID)
        self.assertEqual([], VALIDATOR.errors(resp.json(), {"$ref": "#/components/schemas/ReferenceJobCreated"}))
        # json.dumps({"id": "$context.requestId"}) rendered: exactly this text.
        self.assertEqual(f'{{"id": "{job_id}"}}', resp.body.decode())
        return job_id

    def answer(self, job_id):
        resp = self.client.request("GET", f"/jobs/{job_id}")
        self.assertEqual(200, resp.status, resp)
        self.assertEqual("application/json", resp.header("Content-Type"), resp)
        # As docs/openapi.json describes it: the reference's shape, and not jobstream's.
        self.assertEqual([], VALIDATOR.errors(resp.json(), {"$ref": "#/components/schemas/ReferenceJobStatus"}))
        self.assertNotEqual([], VALIDATOR.errors(resp.json(), {"$ref": "#/components/schemas/Job"}))
        return resp.json()

    def wait_answer(self, job_id, expected, timeout=20):
        last = {}

        def reached():
            last["answer"] = self.answer(job_id)
            return last["answer"] == expected
        wait_for(reached, timeout, what=f"GET /jobs/{job_id} == {expected}", last=lambda: last.get("answer"))


class ReferenceAnswers(ReferenceAnswersTestCase):

    def test_finished_job_shows_each_consumers_results_and_status(self):
        job_id = self.post({"seconds": 1})
        self.wait_answer(job_id, {"consumer_1": success(1), "consumer_2": success(1)})
        # Exactly the template's members, in its order, and nothing of jobstream's view.
        resp = self.client.request("GET", f"/jobs/{job_id}")
        self.assertEqual(
            '{"consumer_1":{"results":"I slept for 1 seconds","status":"Success"},'
            '"consumer_2":{"results":"I slept for 1 seconds","status":"Success"}}', resp.body.decode())

    def test_running_consumers_show_their_status_alone(self):
        job_id = self.post({"seconds": 3})
        running = {"status": "Running"}
        self.wait_answer(job_id, {"consumer_1": running, "consumer_2": running}, timeout=2.5)
        self.wait_answer(job_id, {"consumer_1": success(3), "consumer_2": success(3)})

    def test_failed_consumers_show_the_seconds_the_error_handler_wrote(self):
        # Over the 300 s timeout: each consumer fails, its error handler (record-failure, the
        # reference's error-handling function built in) writes the Failure beside the job's seconds.
        job_id = self.post({"seconds": 301})
        failure = {"seconds": 301, "status": "Failure"}
        self.wait_answer(job_id, {"consumer_1": failure, "consumer_2": failure})
        resp = self.client.request("GET", f"/jobs/{job_id}")
        self.assertIn('"consumer_1":{"seconds":301,"status":"Failure"}', resp.body.decode())

    def test_unknown_ids_answer_the_empty_object_as_get_item_without_item_renders(self):
        for unknown in (str(uuid.uuid4()), "not-a-job-id"):
            resp = self.client.request("GET", f"/jobs/{unknown}")
            self.assertEqual(200, resp.status, resp)
            self.assertEqual(b"{}", resp.body, resp)

    def test_everything_else_is_unchanged(self):
        # Bad input is refused as always; the other routes answer jobstream's shapes.
        self.assertJsonError(self.client.request("POST", "/jobs", body=b"[1]"), 400)
        self.assertJsonError(self.client.request("GET", "/jobs/"), 404, "Job not found")
        job_id = self.post({"seconds": 1})
        self.wait_answer(job_id, {"consumer_1": success(1), "consumer_2": success(1)})
        listed = self.client.request("GET", "/jobs?status=Success")
        self.assertEqual(200, listed.status, listed)
        self.assertIn(job_id, [job["id"] for job in listed.json()["jobs"]])


class ReferenceAnswersWhilePending(ReferenceAnswersTestCase):
    """Both consumers paused: the job stays Pending, with no entry in the reference's terms."""

    CONFIG = REFERENCE + "".join(f'[[consumers]]\nname = "consumer_{n}"\nenabled = false\n' for n in (1, 2))

    def test_a_job_no_consumer_started_is_the_empty_object(self):
        job_id = self.post({"seconds": 1})
        resp = self.client.request("GET", f"/jobs/{job_id}")
        self.assertEqual(200, resp.status, resp)
        self.assertEqual(b"{}", resp.body, resp)


@unittest.skipUnless(all(shutil.which(tool) for tool in ("node", "npx", "npm")), NEWMAN_MISSING)
class ReferencePostmanCollection(NewmanTestCase, ReferenceAnswersTestCase):

    def test_seed_collection_gets_the_references_answers(self):
        run = self.run_newman(COLLECTION)["run"]
        self.assertEqual([], run["failures"])
        executions = {e["item"]["name"]: e for e in run["executions"]}
        post = executions["/jobs"]
        self.assertEqual(200, post["response"]["code"], body_of(post))
        job_id = json.loads(body_of(post))["id"]
        self.assertEqual(f'{{"id": "{job_id}"}}', body_of(post))
        # The collection's jobid is empty, which newman leaves as the literal segment ":jobid":
        # the reference's GetItem finds no such item and its template renders {}.
        get = executions["/jobs/:jobId"]
        self.assertEqual(200, get["response"]["code"], body_of(get))
        self.assertEqual("{}", body_of(get))

        # The job the collection posted runs to its end; then the collection's GET, with the id
        # filled in as its user would, gets the template's rendering.
        self.wait_answer(job_id, {"consumer_1": success(1), "consumer_2": success(1)})
        with open(COLLECTION) as f:
            collection = json.load(f)
        filled = copy.deepcopy(collection)
        for item in filled["item"][0]["item"]:
            for variable in item["request"]["url"].get("variable", []):
                if variable["key"] == "jobid":
                    variable["value"] = job_id
        path = os.path.join(harness.TempDirs.make(self.addCleanup), "filled.postman_collection.json")
        with open(path, "w") as f:
            json.dump(filled, f)
        run = self.run_newman(path)["run"]
        self.assertEqual([], run["failures"])
        get = {e["item"]["name"]: e for e in run["executions"]}["/jobs/:jobId"]
        self.assertEqual(200, get["response"]["code"], body_of(get))
        self.assertEqual({"consumer_1": success(1), "consumer_2": success(1)}, json.loads(body_of(get)))


if __name__ == "__main__":
    unittest.main()
