-- Reference data every installation needs: the 12 regions (decree 2-15-40 of 2015)
-- and the sectors the office reports on. Same statements on both backends.

INSERT INTO regions (code, name_ar, name_fr, name_en) VALUES
    ('01', 'طنجة تطوان الحسيمة', 'Tanger-Tétouan-Al Hoceïma', 'Tangier-Tetouan-Al Hoceima'),
    ('02', 'الشرق', 'L''Oriental', 'Oriental'),
    ('03', 'فاس مكناس', 'Fès-Meknès', 'Fez-Meknes'),
    ('04', 'الرباط سلا القنيطرة', 'Rabat-Salé-Kénitra', 'Rabat-Sale-Kenitra'),
    ('05', 'بني ملال خنيفرة', 'Béni Mellal-Khénifra', 'Beni Mellal-Khenifra'),
    ('06', 'الدار البيضاء سطات', 'Casablanca-Settat', 'Casablanca-Settat'),
    ('07', 'مراكش آسفي', 'Marrakech-Safi', 'Marrakesh-Safi'),
    ('08', 'درعة تافيلالت', 'Drâa-Tafilalet', 'Draa-Tafilalet'),
    ('09', 'سوس ماسة', 'Souss-Massa', 'Souss-Massa'),
    ('10', 'كلميم واد نون', 'Guelmim-Oued Noun', 'Guelmim-Oued Noun'),
    ('11', 'العيون الساقية الحمراء', 'Laâyoune-Sakia El Hamra', 'Laayoune-Sakia El Hamra'),
    ('12', 'الداخلة وادي الذهب', 'Dakhla-Oued Ed-Dahab', 'Dakhla-Oued Ed-Dahab');

INSERT INTO sectors (code, name_ar, name_fr, name_en) VALUES
    ('agriculture', 'الفلاحة', 'Agriculture', 'Agriculture'),
    ('handicrafts', 'الصناعة التقليدية', 'Artisanat', 'Handicrafts'),
    ('housing', 'السكن', 'Habitat', 'Housing'),
    ('argan', 'الأركان', 'Argane', 'Argan'),
    ('aromatic-medicinal-plants', 'النباتات العطرية والطبية', 'Plantes aromatiques et médicinales', 'Aromatic and medicinal plants'),
    ('food-products', 'المنتجات الغذائية', 'Produits alimentaires', 'Food products'),
    ('forestry', 'الغابات', 'Forêts', 'Forestry'),
    ('fishing', 'الصيد البحري', 'Pêche', 'Fishing'),
    ('beekeeping', 'تربية النحل', 'Apiculture', 'Beekeeping'),
    ('dairy', 'الحليب ومشتقاته', 'Lait et produits laitiers', 'Dairy'),
    ('transport', 'النقل', 'Transport', 'Transport'),
    ('literacy', 'محاربة الأمية', 'Alphabétisation', 'Literacy'),
    ('tourism', 'السياحة', 'Tourisme', 'Tourism'),
    ('services', 'الخدمات', 'Services', 'Services');
