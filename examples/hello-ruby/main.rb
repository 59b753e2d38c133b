# A hello worker for the ruby stacks (ruby-3.1, ruby-3.3). Dockhand hands the task its payload in the
# file named by PAYLOAD_FILE; JSON written to RESULT_FILE becomes the task's result; stdout is its log.
#   dockhand run examples/hello-ruby --stack ruby-3.3 --payload '{"name":"you"}'
require 'json'

payload = begin
  parsed = JSON.parse(File.read(ENV.fetch('PAYLOAD_FILE')))
  parsed.is_a?(Hash) ? parsed : {}
rescue JSON::ParserError, Errno::ENOENT
  {} # no payload, or plain text: greet the world
end

greeting = "Hello, #{payload.fetch('name', 'world')}!"
puts greeting
puts "ruby #{RUBY_VERSION}"
File.write(ENV.fetch('RESULT_FILE'), JSON.generate({ greeting: greeting }))
