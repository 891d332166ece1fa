"""tools/check_function_length.py: the brace scanner behind `make test-source` finds each function
with its true extent (braces in comments, strings, raw strings, preprocessor lines and brace
initializers do not fool it) and reports functions over the limit. `make test-source` runs it on src/."""
import importlib.util
import os
import subprocess
import sys
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = os.path.join(ROOT, "tools", "check_function_length.py")
spec = importlib.util.spec_from_file_location("check_function_length", TOOL)
checker = importlib.util.module_from_spec(spec)
spec.loader.exec_module(checker)

SOURCE = r'''#include <string>
#define OPEN {
namespace perch {
namespace {
const char* kBrace = "}{";  // a } in a comment
char kQuote = '{';
int kTable[] = {1, 2,
                3};
}  // namespace

/* { block comment */
struct Point {
  int x = 0;
  int norm() const { return x < 0 ? -x : x; }
};

std::string json() {
  std::string s = R"({"a": "}"})";
  auto f = [](int v) {
    return v + 1;
  };
  return s + std::to_string(f(1'000));
}

Holder::Holder(int v) : a_{v}, b_{v + 1} {
  if (v) {
    a_ = 0;
  }
}

template <class T>
T twice(T v) {
  return v + v;
}

extern "C" int c_entry(void) { return 0; }
}  // namespace perch
'''


class FunctionScannerTest(unittest.TestCase):
    def test_finds_each_function_with_its_lines(self):
        found = list(checker.functions(SOURCE))
        self.assertEqual(found, [
            ("norm", 14, 14),
            ("json", 17, 23),
            ("Holder::Holder", 25, 29),
            ("twice", 31, 34),
            ("c_entry", 36, 36),
        ])

    def test_counts_a_long_function_and_reports_it(self):
        body = "void long_one() {\n" + "  step();\n" * 100 + "}\n"
        self.assertEqual(list(checker.functions(body)), [("long_one", 1, 102)])
        path = os.path.join(ROOT, "build", "check_function_length_fixture.cc")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(body)
        try:
            run = subprocess.run([sys.executable, TOOL, path], capture_output=True, text=True)
            self.assertEqual(run.returncode, 1)
            self.assertIn("long_one is 102 lines (limit 100)", run.stderr)
            run = subprocess.run([sys.executable, TOOL, "--max", "102", path], capture_output=True, text=True)
            self.assertEqual(run.returncode, 0, run.stderr)
        finally:
            os.remove(path)

    def test_unbalanced_braces_are_an_error(self):
        with self.assertRaises(ValueError):
            list(checker.functions("void f() {\n"))
        with self.assertRaises(ValueError):
            list(checker.functions("}\n"))


if __name__ == "__main__":
    unittest.main()
