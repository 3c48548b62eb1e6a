<?php
// tfb.php - TechEmpower's test types in plain PHP for "make bench-tfb"
// (tests/bench/tfb.sh): the same six routes and answers as tfb-moat.c and
// tfb-bare.c, one front script routed on the path.  PHP-FPM runs it with a
// static pool; each process keeps one persistent PDO connection (TFB_DSN,
// TFB_USER from the pool's env) and prepares its statements on it.
declare(strict_types=1);

const TFB_ROWS = 10000;

function tfb_db(): PDO
{
    static $pdo = null;
    if ($pdo === null) {
        $pdo = new PDO((string)getenv('TFB_DSN'), (string)getenv('TFB_USER'), null, [
            PDO::ATTR_PERSISTENT => true,
            PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION,
            // Server-side prepared statements, as the other peers use.
            PDO::ATTR_EMULATE_PREPARES => false,
        ]);
    }
    return $pdo;
}

// TFB's rule: not an integer, or below 1, is 1; above 500 is 500.
function tfb_queries(): int
{
    $q = $_GET['queries'] ?? '';
    if (!is_string($q) || preg_match('/^[0-9]+$/D', $q) !== 1) {
        return 1;
    }
    // A huge number of digits casts to PHP_INT_MAX: clamped below.
    return max(1, min(500, (int)$q));
}

function tfb_json($value): void
{
    header('Content-Type: application/json');
    echo json_encode($value);
}

// n random rows, each read with its own execution of one prepared statement.
function tfb_read_worlds(int $n): array
{
    $st = tfb_db()->prepare('SELECT id, randomnumber FROM world WHERE id = ?');
    $rows = [];
    for ($i = 0; $i < $n; $i++) {
        $st->execute([mt_rand(1, TFB_ROWS)]);
        $r = $st->fetch(PDO::FETCH_NUM);
        $rows[] = ['id' => (int)$r[0], 'randomNumber' => (int)$r[1]];
    }
    return $rows;
}

$path = parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH);
switch ($path) {
case '/plaintext':
    header('Content-Type: text/plain');
    echo 'Hello, World!';
    break;
case '/json':
    tfb_json(['message' => 'Hello, World!']);
    break;
case '/db':
    tfb_json(tfb_read_worlds(1)[0]);
    break;
case '/queries':
    tfb_json(tfb_read_worlds(tfb_queries()));
    break;
case '/updates':
    $rows = tfb_read_worlds(tfb_queries());
    foreach ($rows as &$r) {
        $r['randomNumber'] = mt_rand(1, TFB_ROWS);
    }
    unset($r);
    // One transaction in ascending id order, as the other peers write:
    // concurrent requests lock rows in one order and cannot deadlock.
    $sorted = $rows;
    usort($sorted, fn($a, $b) => $a['id'] <=> $b['id']);
    $db = tfb_db();
    $st = $db->prepare('UPDATE world SET randomnumber = ? WHERE id = ?');
    $db->beginTransaction();
    foreach ($sorted as $r) {
        $st->execute([$r['randomNumber'], $r['id']]);
    }
    $db->commit();
    tfb_json($rows);
    break;
case '/fortunes':
    $st = tfb_db()->prepare('SELECT id, message FROM fortune');
    $st->execute();
    $f = $st->fetchAll(PDO::FETCH_KEY_PAIR);
    $f[0] = 'Additional fortune added at request time.';
    // Byte order, as strcmp() in the C peers.
    asort($f, SORT_STRING);
    header('Content-Type: text/html; charset=utf-8');
    echo "<!DOCTYPE html>\n<html>\n<head><title>Fortunes</title></head>\n<body>\n<table>\n",
        "<tr><th>id</th><th>message</th></tr>\n";
    foreach ($f as $id => $message) {
        echo '<tr><td>', $id, '</td><td>',
            htmlspecialchars($message, ENT_QUOTES | ENT_HTML5, 'UTF-8'), "</td></tr>\n";
    }
    echo "</table>\n</body>\n</html>\n";
    break;
default:
    http_response_code(404);
    header('Content-Type: text/plain');
    echo "not found\n";
}
