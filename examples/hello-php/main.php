<?php
// A hello worker for the php stacks (php-8.2, php-8.4). Dockhand hands the task its payload in the file
// named by PAYLOAD_FILE; JSON written to RESULT_FILE becomes the task's result; stdout is its log.
//   dockhand run examples/hello-php --stack php-8.4 --payload '{"name":"you"}'
$payload = json_decode((string) @file_get_contents(getenv('PAYLOAD_FILE')), true);
$name = is_array($payload) && isset($payload['name']) ? $payload['name'] : 'world';
$greeting = "Hello, {$name}!";
echo $greeting, "\n";
echo 'php ', PHP_VERSION, "\n";
file_put_contents(getenv('RESULT_FILE'), json_encode(['greeting' => $greeting]));
