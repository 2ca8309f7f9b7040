DELETE FROM sectors;
DELETE FROM regions;
