# SPDX-License-Identifier: MIT
# The Ruby gem, built offline from this tree:
#   gem build arrayshare.gemspec && gem install --local arrayshare-VERSION.gem
# Installing it builds libarrayshare and the SWIG extension with CMake
# (packaging/ruby/extconf.rb; needs cmake, swig and a C compiler) and puts
# the library next to the extension, which finds it through its $ORIGIN
# run path. The version is the project's, from CMakeLists.txt.
root = __dir__
version = File.read(File.join(root, "CMakeLists.txt"))[/project\(\s*arrayshare\s+VERSION\s+([0-9.]+)/, 1]

Gem::Specification.new do |s|
  s.name = "arrayshare"
  s.version = version
  s.summary = "Typed N-dimensional arrays shared between processes through shared memory"
  s.description = "Ruby binding of libarrayshare: views of typed N-d arrays in POSIX " \
                  "shared memory that C, Python, Ruby and Lua processes attach by name, " \
                  "with [] over indices and ranges, Enumerable, MemoryView, block forms."
  s.authors = ["The arrayshare developers"]
  s.license = "MIT"
  s.required_ruby_version = ">= 2.7"
  s.platform = Gem::Platform::RUBY
  s.require_paths = ["bindings/ruby/lib"]
  s.extensions = ["packaging/ruby/extconf.rb"]
  patterns = %w[CMakeLists.txt LICENSE README.md arrayshare.gemspec
                core/**/* swig/**/* bindings/ruby/**/* examples/CMakeLists.txt examples/c/*
                packaging/CMakeLists.txt packaging/cmake/* packaging/pkgconfig/*
                packaging/man/* packaging/ruby/*]
  s.files = Dir.chdir(root) { Dir.glob(patterns).select { |f| File.file?(f) } }.sort
end
