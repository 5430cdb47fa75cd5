# SPDX-License-Identifier: MIT
# frozen_string_literal: true

# Run by CTest after the Ruby test files: fails if any segment made by the
# Ruby tests (ash.rbt-*) is left in /dev/shm.
left = Dir.glob("/dev/shm/ash.rbt-*")
if left.empty?
  puts "no ash.rbt-* segment left in /dev/shm"
else
  warn "segments left by the Ruby tests:\n  #{left.join("\n  ")}"
  exit 1
end
