// Fraction of the Sun's disc visible from a point, given up to 4 ellipsoidal occluders.
// Uniforms: u_n_occ (int), u_occ_centre[4] (vec3, world km), u_occ_to_unit[4] (mat3: world ->
// occluder frame scaled to a unit sphere), u_sun_radius (the Sun's angular radius, rad).
// The overlap of the two discs is approximated by a smooth ramp across the penumbra.
uniform int u_n_occ;
uniform vec3 u_occ_centre[4];
uniform mat3 u_occ_to_unit[4];
uniform float u_sun_radius;

float sun_visible_one(vec3 world, vec3 sun_dir, vec3 centre, mat3 to_unit) {
    vec3 p = to_unit * (world - centre);
    vec3 s = normalize(to_unit * sun_dir);
    float dist = length(p);
    if (dist <= 1.0 || dot(p, s) > 0.0) return 1.0;  // on/inside it, or it is behind us
    float a_o = asin(1.0 / dist);
    float theta = acos(clamp(dot(-p / dist, s), -1.0, 1.0));
    float a_s = u_sun_radius;
    if (a_o >= a_s) return smoothstep(a_o - a_s, a_o + a_s, theta);
    float depth = (a_o * a_o) / (a_s * a_s);
    return 1.0 - depth * (1.0 - smoothstep(a_s - a_o, a_s + a_o, theta));
}

float sun_visible(vec3 world, vec3 sun_dir) {
    float v = 1.0;
    for (int i = 0; i < 4; ++i) {
        if (i >= u_n_occ) break;
        v *= sun_visible_one(world, sun_dir, u_occ_centre[i], u_occ_to_unit[i]);
    }
    return v;
}
