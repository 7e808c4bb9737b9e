// Body fragment shader: map colour, day/night terminator, eclipse shadows.
// Needs logdepth.glsl and shadow.glsl before it.
// Uniforms: u_texture (map), u_sun_dir (world, unit, toward the Sun), u_eye (world camera
// position), u_minnaert (k: 1 = Lambert, < 1 limb-darkened like Jupiter), u_night (faint
// night-side level). Eclipse shadows come from shadow.glsl, or none from sunlit.glsl.
uniform sampler2D u_texture;
uniform vec3 u_sun_dir;
uniform vec3 u_eye;
uniform float u_minnaert;
uniform float u_night;
varying vec3 v_world;
varying vec3 v_normal;
varying vec2 v_texcoord;
varying float v_depth;

void main() {
    vec3 n = normalize(v_normal);
    vec3 albedo = texture2D(u_texture, v_texcoord).rgb;
    float mu0 = dot(n, u_sun_dir);
    float mu = max(dot(n, normalize(u_eye - v_world)), 1e-3);
    float lit = 0.0;
    if (mu0 > 0.0) {
        lit = pow(mu0, u_minnaert) * pow(mu, u_minnaert - 1.0);
        lit *= sun_visible(v_world, u_sun_dir);
    }
    gl_FragColor = vec4(albedo * (min(lit, 1.2) + u_night), 1.0);
    gl_FragDepth = log_depth(v_depth);
}
