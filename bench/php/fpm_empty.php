<?php
// The empty request of the php-fpm rows (bench/fpm.py): what the pool costs without wxpay.
echo 'ok';
