#include "server/model_registry.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>

namespace perch_server {

bool is_valid_model_name(const std::string& name) {
  if (name.empty() || name.size() > 64 || name[0] == '.') return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

perch::Status ModelRegistry::load_directory(
    const std::string& dir, int pool_size,
    const std::function<void(const std::string&)>& report) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return perch::invalid_argument("cannot read models directory '" + dir + "'");
  std::vector<std::string> files;
  while (dirent* e = ::readdir(d)) {
    std::string file = e->d_name;
    static const std::string kExt = ".perch";
    if (file.size() > kExt.size() && file.compare(file.size() - kExt.size(), kExt.size(), kExt) == 0) {
      files.push_back(file);
    }
  }
  ::closedir(d);
  std::sort(files.begin(), files.end());

  for (const std::string& file : files) {
    const std::string path = dir + "/" + file;
    const std::string name = file.substr(0, file.size() - 6);
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      report("skipped " + path + ": not a regular file");
      continue;
    }
    if (!is_valid_model_name(name)) {
      report("skipped " + path + ": model names may only use letters, digits, '_', '.', '-'");
      continue;
    }
    auto loaded = perch::Model::load_file(path);
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
