DROP TABLE storefront_apps;
