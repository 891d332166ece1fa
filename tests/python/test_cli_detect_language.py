"""`perch detect-language` as an interactive pipe: each JSON line in gets its answer line out
before the next line is written (flushed at once), with the JS API's JSON shape and errors on
bad lines. Uses the native build of `make build` (build/native/perch) or $PERCH_CLI."""
import json
import os
import select
import subprocess
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = os.environ.get("PERCH_CLI", os.path.join(ROOT, "build/native/perch"))


@unittest.skipUnless(os.path.exists(CLI), f"{CLI} not built (make build-native)")
class DetectLanguageCliTest(unittest.TestCase):
    def setUp(self):
        self.proc = subprocess.Popen([CLI, "detect-language", "--top", "2"], cwd=ROOT, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def tearDown(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        self.proc.stdout.close()
        self.proc.stderr.close()
        self.assertEqual(self.proc.returncode, 0)

    def ask(self, raw: bytes):
        self.proc.stdin.write(raw + b"\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        self.assertTrue(ready, "no answer line within 30 s: output not flushed per line?")
        return json.loads(self.proc.stdout.readline())

    def test_answers_each_line_at_once(self):
        out = self.ask(json.dumps({"text": "Guten Morgen, wie geht es dir heute?"}).encode())
        self.assertEqual(out[0]["detectedLanguage"], "de")
        self.assertEqual(set(out[0]), {"detectedLanguage", "confidence"})
        self.assertLessEqual(len(out), 3)
        self.assertLessEqual(sum(x["confidence"] for x in out), 1.0 + 1e-6)
        out = self.ask(json.dumps({"text": "Где находится ближайшая станция метро?"}).encode())
        self.assertEqual(out[0]["detectedLanguage"], "ru")
        self.assertEqual(self.ask(b'{"text": "12345"}'), [{"detectedLanguage": "und", "confidence": 1.0}])

    def test_bad_lines_get_an_error_and_the_pipe_goes_on(self):
        self.assertIn("error", self.ask(b"not json"))
        self.assertIn("error", self.ask(b'{"txt": "hello"}'))
        err = self.ask(b'{"text": "caf\xc3"}')
        self.assertIn("UTF-8", err["error"])
        out = self.ask(json.dumps({"text": "Buongiorno a tutti, come state?"}).encode())
        self.assertEqual(out[0]["detectedLanguage"], "it")


if __name__ == "__main__":
    unittest.main()
