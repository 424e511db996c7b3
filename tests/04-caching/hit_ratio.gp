# The cache-thrashing curve of lesson 04. Run by hit_ratio_chart.sh:
#   gnuplot -e "data='hit_ratio.dat'; out='hit_ratio.png'" hit_ratio.gp
set terminal pngcairo size 1000,650 noenhanced font ',11'
set output out
set title 'Lesson 04: hit ratio against cache capacity, generated EDIFACT traffic (hit_ratio04)'
set xlabel 'cache capacity (entries, log scale)'
set ylabel 'hit ratio'
set logscale x 2
set format x '%.0f'
set yrange [0:1]
set grid
set key below maxrows 3
plot data using 1:2 with linespoints lw 2 title 'product GTINs, LRU', \
     data using 1:3 with linespoints lw 2 dt 2 title 'product GTINs, CLOCK (1 shard)', \
     data using 1:4 with linespoints lw 2 title 'partner GLNs (200), LRU', \
     data using 1:5 with linespoints lw 2 title 'catalogue scan in order, LRU (thrashing)', \
     data using 1:6 with lines lw 1 dt 3 lc rgb 'gray40' title 'products: unbounded map (ceiling)'
