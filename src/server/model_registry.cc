#include "server/model_registry.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>

namespace perch_server {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() > suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Appends the paths of *.perch files in `dir`, descending `depth` more levels of folders.
bool list_model_files(const std::string& dir, int depth, std::vector<std::string>* out) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return false;
  std::vector<std::string> subdirs;
  while (dirent* e = ::readdir(d)) {
    const std::string entry = e->d_name;
    if (entry.empty() || entry[0] == '.') continue;
    const std::string path = dir + "/" + entry;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode))
      subdirs.push_back(path);
    else if (ends_with(entry, ".perch"))
      out->push_back(path);
  }
  ::closedir(d);
  if (depth > 0) {
    for (const std::string& sub : subdirs) list_model_files(sub, depth - 1, out);
  }
  return true;
}

}  // namespace

bool is_valid_model_name(const std::string& name) {
  if (name.empty() || name.size() > 64 || name[0] == '.') return false;
  for (char c : name) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

perch::Status ModelRegistry::load_directory(const std::string& dir, int pool_size,
                                            const std::function<void(const std::string&)>& report,
                                            const perch::ModelOptions& options) {
  // DIR/*.perch and DIR/*/*.perch (the repository keeps models/<task>/<name>.perch).
  std::vector<std::string> files;
  if (!list_model_files(dir, 1, &files)) {
    return perch::invalid_argument("cannot read models directory '" + dir + "'");
  }
  std::sort(files.begin(), files.end());

  for (const std::string& path : files) {
    const size_t slash = path.rfind('/');
    const std::string file = slash == std::string::npos ? path : path.substr(slash + 1);
    const std::string name = file.substr(0, file.size() - 6);
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      report("skipped " + path + ": not a regular file");
      continue;
    }
    if (find(name) != nullptr) {
      report("skipped " + path + ": a model named '" + name + "' is already loaded");
      continue;
    }
    if (!is_valid_model_name(name)) {
      report("skipped " + path + ": model names may only use letters, digits, '_', '.', '-'");
      continue;
    }
    auto loaded = perch::Model::load_file(path, options);
    if (!loaded.is_ok()) {
      report("skipped " + path + ": " + loaded.status().to_string());
      continue;
    }
    auto entry = std::make_unique<LoadedModel>();
    entry->name = name;
    entry->path = path;
    entry->model = loaded.value();
    std::shared_ptr<const perch::Model> model = entry->model;
    entry->sessions = std::make_unique<ObjectPool<perch::Session>>(
        [model]() { return perch::Session::create(model, perch::SessionOptions{1}); }, pool_size);
    // Create one session now, so a model that loads but cannot run is skipped at start.
    ObjectPool<perch::Session>::Lease probe;
    perch::Status st_probe = entry->sessions->acquire(&probe);
    if (!st_probe.is_ok()) {
      report("skipped " + path + ": " + st_probe.to_string());
      continue;
    }
    probe = ObjectPool<perch::Session>::Lease();
    auto runner = make_task_runner(model, pool_size);
    if (!runner.is_ok()) {
      report("skipped " + path + ": " + runner.status().to_string());
      continue;
    }
    entry->task = std::move(runner).value();
    models_.push_back(std::move(entry));
  }
  return perch::Status::ok();
}

LoadedModel* ModelRegistry::find(const std::string& name) {
  for (auto& m : models_) {
    if (m->name == name) return m.get();
  }
  return nullptr;
}

LoadedModel* ModelRegistry::first_with_task(const std::string& task) {
  for (auto& m : models_) {
    if (m->model->task() == task) return m.get();
  }
  return nullptr;
}

}  // namespace perch_server
